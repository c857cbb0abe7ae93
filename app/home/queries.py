"""Counts for the home page, straight from SQL over the visible published practices."""

from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from app import pagecache
from app.curation.models import ModulePick
from app.extensions import db
from app.permissions import can_see_members_only, visible_practices_filter
from app.practices.models import Practice, practice_lever, practice_module, practice_topic
from app.taxonomies.models import Lever, Topic
from app.workshops.models import Module


def _count_by(link_table, column, key_column, model):
    rows = db.session.execute(
        select(key_column, func.count(distinct(Practice.id)))
        .select_from(Practice)
        .join(link_table, link_table.c.practice_id == Practice.id)
        .join(model, model.id == link_table.c[column])
        .where(visible_practices_filter())
        .group_by(key_column)
    ).all()
    return dict(rows)


def lever_counts() -> dict[str, int]:
    """Visible entries per lever slug."""
    return _count_by(practice_lever, "lever_id", Lever.slug, Lever)


def topic_counts() -> dict[str, int]:
    """Visible entries per topic slug."""
    return _count_by(practice_topic, "topic_id", Topic.slug, Topic)


def module_counts() -> dict[int, int]:
    """Visible entries per module number."""
    return _count_by(practice_module, "module_id", Module.number, Module)


def module_lever_matrix() -> dict[tuple[int, str], int]:
    """Visible entries per (module number, lever slug)."""
    rows = db.session.execute(
        select(Module.number, Lever.slug, func.count(distinct(Practice.id)))
        .select_from(Practice)
        .join(practice_module, practice_module.c.practice_id == Practice.id)
        .join(Module, Module.id == practice_module.c.module_id)
        .join(practice_lever, practice_lever.c.practice_id == Practice.id)
        .join(Lever, Lever.id == practice_lever.c.lever_id)
        .where(visible_practices_filter())
        .group_by(Module.number, Lever.slug)
    ).all()
    return {(number, slug): count for number, slug, count in rows}


def visible_total() -> int:
    """How many entries the current user can find."""
    return db.session.scalar(
        select(func.count(Practice.id)).where(visible_practices_filter())) or 0


def home_counts() -> dict:
    """The home page's counts for the current reader (kept while the data stays the same)."""
    def count() -> dict:
        return {"lever_counts": lever_counts(), "topic_counts": topic_counts(),
                "module_counts": module_counts(), "matrix": module_lever_matrix(),
                "total": visible_total()}

    return pagecache.kept_for_lists(("home-counts", can_see_members_only(None)), count)


def curated_picks(module_number: int | None = None) -> dict[int, list[ModulePick]]:
    """The organisers' collections per module number, in their order.

    Only entries the current reader may see; `module_number` limits it to one module.
    """
    query = (select(Module.number, ModulePick)
             .join(ModulePick.module).join(ModulePick.practice)
             .where(visible_practices_filter())
             .options(selectinload(ModulePick.practice).selectinload(Practice.municipality))
             .order_by(Module.number, ModulePick.position, ModulePick.id))
    if module_number is not None:
        query = query.where(Module.number == module_number)
    picks: dict[int, list[ModulePick]] = {}
    for number, pick in db.session.execute(query):
        picks.setdefault(number, []).append(pick)
    return picks
