"""Writes for the module collections: each function commits once.

A collection holds published entries in the organisers' order; positions are kept
0, 1, 2, … after every change so that "up" and "down" always move by one place.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.accounts.models import User
from app.curation.models import NOTE_MAX, ModulePick
from app.extensions import db
from app.markdown import render_markdown
from app.municipalities.models import Municipality
from app.practices import states
from app.practices.models import Practice
from app.workshops.models import Module

INTRODUCTION_MAX = 20_000
CANDIDATES_SHOWN = 30


class CollectionError(Exception):
    """A change the collection cannot take; the message (German) says why."""


def collection(module: Module) -> list[ModulePick]:
    """Every pick of the module in order, also of entries no longer published."""
    return list(db.session.scalars(select(ModulePick).where(ModulePick.module_id == module.id)
                                   .order_by(ModulePick.position, ModulePick.id)))


def candidates(query: str, module: Module | None = None,
               exclude: set[int] = frozenset()) -> list[Practice]:
    """Published entries to choose from: matching `query` (title or municipality), else
    those tagged with `module`; at most CANDIDATES_SHOWN."""
    statement = (select(Practice).join(Practice.municipality)
                 .where(Practice.publication.in_(states.READABLE)))
    if query:
        needle = query.lower()
        statement = statement.where(or_(
            func.lower(Practice.title).contains(needle, autoescape=True),
            func.lower(Municipality.name).contains(needle, autoescape=True)))
    elif module is not None:
        statement = statement.where(Practice.modules.any(Module.id == module.id))
    if exclude:
        statement = statement.where(Practice.id.not_in(exclude))
    return list(db.session.scalars(statement.order_by(Practice.title).limit(CANDIDATES_SHOWN)))


def set_introduction(module: Module, text: str) -> None:
    """Store the editorial introduction (Markdown) and its sanitised HTML."""
    module.introduction = text
    module.introduction_html = str(render_markdown(text))
    db.session.commit()


def add_pick(module: Module, practice: Practice, actor: User, note: str = "") -> ModulePick:
    """Append a published entry to the module's collection."""
    if not practice.is_published:
        raise CollectionError(_("Nur veröffentlichte Einträge können in die Auswahl."))
    existing = collection(module)
    if any(pick.practice_id == practice.id for pick in existing):
        raise CollectionError(_("„%(title)s“ ist schon in der Auswahl.", title=practice.title))
    pick = ModulePick(module_id=module.id, practice_id=practice.id, position=len(existing),
                      note=_checked_note(note), added_by_id=actor.id)
    db.session.add(pick)
    db.session.commit()
    return pick


def _checked_note(note: str) -> str:
    note = " ".join(note.split())
    if len(note) > NOTE_MAX:
        raise CollectionError(_("Die Notiz darf höchstens %(n)s Zeichen lang sein.", n=NOTE_MAX))
    return note


def set_note(pick: ModulePick, note: str) -> None:
    """Say why the entry matters for the module (empty: no note)."""
    pick.note = _checked_note(note)
    db.session.commit()


def _renumber(picks: list[ModulePick]) -> None:
    for position, pick in enumerate(picks):
        pick.position = position


def remove_pick(pick: ModulePick) -> None:
    """Take the entry out of the collection; the others close the gap."""
    remaining = [other for other in collection(pick.module) if other.id != pick.id]
    db.session.delete(pick)
    _renumber(remaining)
    db.session.commit()


def move_pick(pick: ModulePick, step: int) -> None:
    """One place up (-1) or down (+1); at either end nothing changes."""
    picks = collection(pick.module)
    index = picks.index(pick)
    target = index + step
    if 0 <= target < len(picks):
        picks[index], picks[target] = picks[target], picks[index]
    _renumber(picks)
    db.session.commit()


def reorder(module: Module, pick_ids: list[int]) -> None:
    """Put the collection into the given order (drag and drop); all ids, each once."""
    picks = {pick.id: pick for pick in collection(module)}
    if sorted(pick_ids) != sorted(picks):
        raise CollectionError(_("Die Auswahl hat sich inzwischen geändert. Bitte laden Sie die "
                                "Seite neu."))
    _renumber([picks[pick_id] for pick_id in pick_ids])
    db.session.commit()
