"""Writes for entries through the web: create, edit, submit, decide, restore.

Every public function commits once and then asks the search to apply the change
(`app.search.changes_committed`), so that no change of title, state or visibility leaves a
stale document in the index. Field rules are those of the file format (SPEC §2).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import func, select, update

from app import pagecache, search
from app.accounts.audit import log_security_event
from app.extensions import db
from app.markdown import heading_slug
from app.municipalities.models import Municipality
from app.practices import states
from app.practices.fileformat import FileError, PracticeData, parse_practice_text
from app.practices.models import Practice, Revision, StateChange
from app.practices.rules import RESERVED_SLUGS, SLUG_MAX_LENGTH
from app.practices.services import apply_practice_data, record_revision
from app.practices.states import Transition
from app.search.outbox import record_practice_change
from app.taxonomies.models import Lever, Topic
from app.timeutil import utcnow


class StaleEdit(Exception):
    """The entry changed since the form was opened: nothing was overwritten."""

    def __init__(self, current: Revision):
        super().__init__(f"current revision is {current.number}")
        self.current = current


class TransitionRefused(Exception):
    """The requested move is not allowed from the entry's state."""


@dataclass
class RevisionView:
    """A stored revision read back as file data, for diffs and restores."""

    revision: Revision
    data: PracticeData


def current_revision(practice: Practice) -> Revision | None:
    """The newest revision of the entry (its number is the form's `base_revision`)."""
    return db.session.scalar(select(Revision).where(Revision.practice_id == practice.id)
                             .order_by(Revision.number.desc()).limit(1))


def current_revision_number(practice: Practice) -> int:
    revision = current_revision(practice)
    return revision.number if revision else 0


def edit_form_base(practice: Practice) -> int:
    """The revision an edit form is based on; the entry's fields are read again after it.

    Each SELECT sees what was committed when it started (PostgreSQL's read committed, and
    SQLite outside a write). With the fields read first and the number second, a save in
    between paired the older text with the newer number, and saving the form then
    overwrote that save without a conflict (tests/test_concurrency.py lost one edit in
    about 100). This way round a save in between only makes the text newer than its
    number: saving is refused as stale (409) and nothing is lost.
    """
    number = current_revision_number(practice)
    db.session.expire(practice)
    return number


def new_practice_slug(title: str) -> str:
    """A slug made once from the title; it stays when the title changes later."""
    base = heading_slug(title)[:SLUG_MAX_LENGTH - 4].strip("-") or "eintrag"
    slug, counter = (base, 2) if base not in RESERVED_SLUGS else (f"{base}-2", 3)
    while db.session.scalar(select(Practice.id).where(Practice.slug == slug)):
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def _commit_and_index(*slugs: str) -> None:
    for slug in slugs:
        record_practice_change(slug)
    db.session.commit()
    search.changes_committed()


def create_practice(data: PracticeData, author, municipality: Municipality,
                    note: str = "") -> Practice:
    """Keep a new entry as a draft of `municipality`, with its first revision."""
    practice = Practice(slug=new_practice_slug(data.title), publication=states.DRAFT,
                        author_id=author.id)
    data = replace(data, slug=practice.slug, municipality=municipality.name,
                   reviewed=None, published=None)
    apply_practice_data(practice, data)
    db.session.add(practice)
    db.session.flush()
    record_revision(practice, source="web", author_id=author.id, note=note or "Angelegt")
    _commit_and_index(practice.slug)
    return practice


def _lock_entry(practice: Practice) -> None:
    """Hold the entry's row (SQLite: the write lock) from the stale check to the commit.

    Without it two processes could both find `base_revision` current and the later commit
    would overwrite the earlier edit (tests/test_concurrency.py).
    """
    db.session.execute(update(Practice).where(Practice.id == practice.id)
                       .values(updated_at=Practice.updated_at)
                       .execution_options(synchronize_session=False,
                                          **{pagecache.ROW_LOCK_ONLY: True}))


def update_practice(practice: Practice, data: PracticeData, author, base_revision: int,
                    note: str = "") -> Revision:
    """Save an edit as a new revision, unless the entry changed since `base_revision`.

    Fields that only the file import or organisers' decisions set (reviewed, published)
    keep their stored values; the slug never changes.
    """
    _lock_entry(practice)
    current = current_revision(practice)
    if current is not None and base_revision != current.number:
        raise StaleEdit(current)
    data = replace(data, slug=practice.slug, reviewed=practice.reviewed, published=None)
    apply_practice_data(practice, data)
    practice.updated_at = utcnow()
    db.session.flush()
    revision = record_revision(practice, source="web", author_id=author.id, note=note)
    _commit_and_index(practice.slug)
    return revision


def apply_transition(practice: Practice, move: Transition, actor, comment: str = "") -> None:
    """Move the entry along `move` (checked against the state machine), logged and indexed."""
    _lock_entry(practice)  # two simultaneous decisions: the second sees the first's state
    db.session.refresh(practice)
    if not states.allows(move, practice.publication):
        raise TransitionRefused(move.name)
    previous = practice.publication
    practice.publication = move.target
    now = utcnow()
    if move.target == states.PUBLISHED and practice.published_at is None:
        practice.published_at = now
    practice.updated_at = now
    db.session.add(StateChange(practice=practice, from_state=previous, to_state=move.target,
                               actor_id=actor.id, comment=comment.strip()))
    if move.organisers_only:
        log_security_event("publication_decision", actor=actor, target=practice.slug,
                           details={"from": previous, "to": move.target})
    _commit_and_index(practice.slug)


def submit_practice(practice: Practice, actor) -> None:
    """A draft or returned entry goes to the organisers for review."""
    apply_transition(practice, states.SUBMIT, actor)


def latest_comment(practice: Practice) -> StateChange | None:
    """The organisers' latest return comment, while the entry is returned."""
    if practice.publication != states.RETURNED:
        return None
    returned = [c for c in practice.state_changes if c.to_state == states.RETURNED]
    return returned[-1] if returned else None


def read_revision(practice: Practice, number: int) -> RevisionView | None:
    """Revision `number` of the entry as file data, or None when there is none."""
    revision = db.session.scalar(select(Revision).where(
        Revision.practice_id == practice.id, Revision.number == number))
    if revision is None:
        return None
    levers = set(db.session.scalars(select(Lever.slug)))
    topics = set(db.session.scalars(select(Topic.slug)))
    data = parse_practice_text(practice.slug, practice.slug, revision.content, levers, topics)
    if isinstance(data, list):  # a taxonomy entry vanished since: show what can be read
        raise ValueError("; ".join(str(error) for error in data))
    return RevisionView(revision, data)


def restore_revision(practice: Practice, number: int, actor) -> Revision:
    """Make an old revision's content current again; the restore is itself a new revision."""
    _lock_entry(practice)  # numbered after a simultaneous edit, not beside it
    old = read_revision(practice, number)
    if old is None:
        raise LookupError(number)
    data = replace(old.data, published=None, reviewed=practice.reviewed)
    apply_practice_data(practice, data)
    practice.updated_at = utcnow()
    db.session.flush()
    revision = record_revision(practice, source="web", author_id=actor.id,
                               note=f"Version {number} wiederhergestellt")
    _commit_and_index(practice.slug)
    return revision


def revision_count(practice: Practice) -> int:
    return db.session.scalar(select(func.count(Revision.id))
                             .where(Revision.practice_id == practice.id)) or 0


def field_errors(errors: list[FileError]) -> dict[str, list[str]]:
    """File-format errors keyed by form field name (contact.email -> contact_email)."""
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error.field.replace(".", "_"), []).append(error.rule)
    return by_field


def template_helpers() -> dict:
    """Template globals of the write side (registered in create_app)."""
    return {"return_comment": latest_comment}
