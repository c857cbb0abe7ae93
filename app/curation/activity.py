"""What changed, newest first: one UNION over the tables that record it, then the page's
rows loaded in a few queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select, union_all

from app.accounts.models import SecurityEvent, User
from app.extensions import db
from app.practices import states
from app.practices.models import ExperienceReport, Practice, Revision, StateChange

ACCOUNT_EVENTS = ("user_created", "invitation_accepted")
KINDS = {
    "neu": "Neue Einträge",
    "aenderung": "Bearbeitungen",
    "bericht": "Erfahrungsberichte",
    "entscheidung": "Statuswechsel und Entscheidungen",
    "konto": "Neue Konten",
}
PER_PAGE = 30


@dataclass
class Activity:
    kind: str
    at: datetime
    row: object
    live: bool = False  # an edit of an entry that was published at that moment


def _row(kind: str, model, *conditions):
    return select(literal(kind).label("kind"), model.id.label("id"),
                  model.created_at.label("at")).where(*conditions)


def _sources() -> dict[str, object]:
    """Per kind: a SELECT of (kind, id, at)."""
    return {
        "neu": _row("neu", Practice),
        "aenderung": _row("aenderung", Revision, Revision.source == "web", Revision.number > 1),
        "bericht": _row("bericht", ExperienceReport),
        "entscheidung": _row("entscheidung", StateChange),
        "konto": _row("konto", SecurityEvent, SecurityEvent.action.in_(ACCOUNT_EVENTS)),
    }


_MODELS = {"neu": Practice, "aenderung": Revision, "bericht": ExperienceReport,
           "entscheidung": StateChange, "konto": SecurityEvent}


def activity_page(kind: str | None, page: int) -> tuple[list[Activity], int]:
    """One page of activities (all kinds, or one) and the total count."""
    sources = _sources()
    chosen = [sources[kind]] if kind else list(sources.values())
    combined = union_all(*chosen).subquery()
    total = db.session.scalar(select(func.count()).select_from(combined)) or 0
    rows = db.session.execute(
        select(combined.c.kind, combined.c.id, combined.c.at)
        .order_by(combined.c.at.desc(), combined.c.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    loaded = _load(rows)
    activities = [Activity(k, at, loaded[(k, i)]) for k, i, at in rows if (k, i) in loaded]
    for activity in activities:
        if activity.kind == "aenderung":
            activity.live = was_published(activity.row.practice, activity.at)
    return activities, total


def was_published(practice: Practice, when: datetime) -> bool:
    """Whether the entry was published at that moment (its last state change before it,
    or, for an imported entry without one, its publication date)."""
    earlier = [change for change in practice.state_changes if change.created_at <= when]
    if earlier:
        return earlier[-1].to_state == states.PUBLISHED
    return practice.published_at is not None and practice.published_at <= when


def _load(rows) -> dict[tuple[str, int], object]:
    wanted: dict[str, list[int]] = {}
    for kind, row_id, _at in rows:
        wanted.setdefault(kind, []).append(row_id)
    loaded = {}
    for kind, ids in wanted.items():
        model = _MODELS[kind]
        for item in db.session.scalars(select(model).where(model.id.in_(ids))):
            loaded[(kind, item.id)] = item
    return loaded


def users_by_email(activities: list[Activity]) -> dict[str, User]:
    """The accounts named by the page's account events, for links to their pages."""
    emails = {a.row.target.lower() for a in activities if a.kind == "konto" and a.row.target}
    if not emails:
        return {}
    return {user.email.lower(): user for user in db.session.scalars(
        select(User).where(func.lower(User.email).in_(emails)))}
