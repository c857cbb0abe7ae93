"""Read-side look-ups for practices: load-and-authorise, lists for pages."""

from __future__ import annotations

from sqlalchemy import String, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from app import pagecache
from app.extensions import db
from app.permissions import (
    can_see_members_only,
    can_view_practice,
    visible_practices_filter,
)
from app.practices import states
from app.practices.models import ExperienceReport, Practice, PracticeLever
from app.practices.reports import PUBLISHED


class PracticeNotFound(NotFound):
    """No entry this reader may see: missing, a draft, or members-only for an anonymous reader.

    A 404 like any other; the entry pages answer it with the members-only explanation for
    anonymous readers, the same for every one of these cases, so that nothing leaks.
    """


def get_visible_practice_or_404(slug: str) -> Practice:
    """The practice with this slug if the current user may see it; 404 otherwise.

    404 rather than 403, so that the existence of a draft or members-only entry does not leak.
    """
    practice = db.session.scalar(select(Practice).where(Practice.slug == slug))
    if practice is None or not can_view_practice(None, practice):
        raise PracticeNotFound()
    return practice


def members_only_entries_exist() -> bool:
    """Are there published members-only entries at all (for a hint to anonymous readers)?"""
    return db.session.scalar(select(Practice.id).where(
        Practice.publication.in_(states.READABLE), Practice.visibility == "members").limit(1)
    ) is not None


def visible_practices():
    """SELECT of the published practices the current user may see."""
    return select(Practice).where(visible_practices_filter())


def card_loads() -> tuple:
    """Loader options for practice cards (municipality, levers): one query each, not N."""
    return (selectinload(Practice.municipality),
            selectinload(Practice.lever_links).selectinload(PracticeLever.lever))


def recent_practices(limit: int = 6) -> list[Practice]:
    """The most recently published visible practices."""
    return list(db.session.scalars(
        visible_practices().options(*card_loads())
        .order_by(Practice.published_at.desc(), Practice.title).limit(limit)
    ))


def _reported_adoptions(column, condition):
    """SELECT of `column` over published reports that name an adopting entry."""
    return select(column).where(condition, ExperienceReport.publication == PUBLISHED,
                                ExperienceReport.adopted_practice_id.is_not(None))


def adopted_from(practice: Practice) -> list[Practice]:
    """The visible practices this one took up: named in its file or by a report on them."""
    slugs = list(practice.adopted_from or [])  # may name entries not imported yet
    reported = _reported_adoptions(ExperienceReport.practice_id,
                                   ExperienceReport.adopted_practice_id == practice.id)
    # Two look-ups by key: one query with OR read every entry (0.1 s at 20,000 entries).
    rows = [*(db.session.scalars(visible_practices().where(Practice.slug.in_(slugs)))
              if slugs else ()),
            *db.session.scalars(visible_practices().where(Practice.id.in_(reported)))]
    by_slug = {row.slug: row for row in sorted(rows, key=lambda row: row.title)}
    named = [by_slug.pop(slug) for slug in slugs if slug in by_slug]
    return named + list(by_slug.values())


def visible_slugs(slugs: list[str]) -> list[str]:
    """Those of `slugs` that name an entry the current user may see, in their order (an
    entry's `adopted_from` may name drafts, members-only or not yet imported entries)."""
    if not slugs:
        return []
    visible = set(db.session.scalars(select(Practice.slug).where(
        Practice.slug.in_(slugs), visible_practices_filter())))
    return [slug for slug in slugs if slug in visible]


def adopted_by(practice: Practice) -> list[Practice]:
    """The visible practices that name this one in their `adopted_from` or in a report."""
    adopters = pagecache.kept_for_lists(("adopters", can_see_members_only(None)), _adopters)
    named_ids = adopters.get(practice.slug)
    named = list(db.session.scalars(visible_practices().where(Practice.id.in_(named_ids)))
                 if named_ids else ())
    reported = db.session.scalars(visible_practices().where(Practice.id.in_(
        _reported_adoptions(ExperienceReport.adopted_practice_id,
                            ExperienceReport.practice_id == practice.id))))
    return sorted({row.id: row for row in [*named, *reported]}.values(),
                  key=lambda row: row.title)


def _adopters() -> dict[str, list[int]]:
    """Slug → ids of the visible practices naming it in `adopted_from` (one pass over the
    entries that name any; kept while the data stays the same, see kept_for_lists)."""
    adopters: dict[str, list[int]] = {}
    rows = db.session.execute(select(Practice.id, Practice.adopted_from).where(
        visible_practices_filter(), Practice.adopted_from.cast(String).contains('"')))
    for practice_id, slugs in rows:
        for slug in slugs or []:
            adopters.setdefault(slug, []).append(practice_id)
    return adopters


def published_reports(practice: Practice) -> list[ExperienceReport]:
    """The published (not hidden) experience reports of a practice, oldest first."""
    return [report for report in practice.experience_reports
            if report.publication == PUBLISHED]


def own_practices(user) -> list[Practice]:
    """Entries the person wrote, and for representatives every entry of their municipality."""
    condition = Practice.author_id == user.id
    if user.role == "representative" and user.municipality_id is not None:
        condition = or_(condition, Practice.municipality_id == user.municipality_id)
    return list(db.session.scalars(
        select(Practice).where(condition).order_by(Practice.updated_at.desc())))
