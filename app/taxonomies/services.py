"""Writes of the vocabulary: levers, topics and the search's synonym groups.

Slugs never change (files and links use them); names do, and because names are part of the
entries' search documents, a rename records a search change for every entry that uses it.
Each function commits once with its audit row, then lets the index catch up.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import search
from app.accounts.audit import log_security_event
from app.extensions import db
from app.markdown import heading_slug
from app.practices.models import Practice, PracticeLever, PracticeTopic
from app.search.outbox import record_practice_change
from app.taxonomies.models import NAME_MAX, SLUG_MAX, Lever, Topic

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_NAME = NAME_MAX
MAX_SLUG = SLUG_MAX
MAX_DESCRIPTION = 1000
KINDS = {"hebel": Lever, "handlungsfeld": Topic}


class VocabularyError(ValueError):
    """A German message for one field: `field` names it (name, slug, description, terms)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _check_name(model, name: str, exclude_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise VocabularyError("name", _("Bitte geben Sie einen Namen an."))
    if len(name) > MAX_NAME:
        raise VocabularyError("name", _("Höchstens %(n)d Zeichen.", n=MAX_NAME))
    clash = db.session.scalar(select(model.id).where(func.lower(model.name) == name.lower(),
                                                     model.id != (exclude_id or 0)))
    if clash:
        raise VocabularyError("name", _("Diesen Namen gibt es schon."))
    return name


def _check_slug(model, slug: str, name: str) -> str:
    slug = slug.strip() or heading_slug(name)[:MAX_SLUG].strip("-")
    if len(slug) > MAX_SLUG or not SLUG_RE.match(slug):
        raise VocabularyError("slug", _("Nur Kleinbuchstaben a–z, Ziffern und einzelne "
                                        "Bindestriche, höchstens %(n)d Zeichen, zum Beispiel "
                                        "„waerme-planen“.", n=MAX_SLUG))
    if db.session.scalar(select(model.id).where(model.slug == slug)):
        raise VocabularyError("slug", _("Die Kurzform „%(slug)s“ ist schon vergeben.",
                                        slug=slug))
    return slug


def _check_description(description: str) -> str:
    description = description.strip()
    if len(description) > MAX_DESCRIPTION:
        raise VocabularyError("description", _("Höchstens %(n)d Zeichen.", n=MAX_DESCRIPTION))
    return description


def add_term(model, name: str, slug: str = "", description: str = ""):
    """A new lever or topic at the end of its list."""
    name = _check_name(model, name)
    slug = _check_slug(model, slug, name)
    position = (db.session.scalar(select(func.max(model.position))) or 0) + 1
    item = model(slug=slug, name=name, position=position)
    if model is Lever:
        item.description = _check_description(description)
    db.session.add(item)
    log_security_event(f"{model.__tablename__}_added", target=slug, details={"name": name})
    db.session.commit()
    return item


def rename_term(item, name: str, description: str | None = None):
    """A new name (and description) for a lever or topic; its slug stays."""
    model = type(item)
    name = _check_name(model, name, exclude_id=item.id)
    old_name = item.name
    item.name = name
    if model is Lever and description is not None:
        item.description = _check_description(description)
    if old_name != name:
        for slug in _practices_using(item):
            record_practice_change(slug)
        log_security_event(f"{model.__tablename__}_renamed", target=item.slug,
                           details={"old_name": old_name, "new_name": name})
    db.session.commit()
    search.changes_committed()
    return item


def _practices_using(item) -> list[str]:
    link = PracticeLever if isinstance(item, Lever) else PracticeTopic
    column = link.lever_id if isinstance(item, Lever) else link.topic_id
    return list(db.session.scalars(
        select(Practice.slug).join(link, link.practice_id == Practice.id).where(
            column == item.id)))


def usage_counts(model) -> dict[int, int]:
    """How many entries use each lever or topic."""
    link = PracticeLever if model is Lever else PracticeTopic
    column = link.lever_id if model is Lever else link.topic_id
    return dict(db.session.execute(select(column, func.count()).group_by(column)).all())


def save_synonyms(text: str) -> int:
    """Replace the synonym list by the edited text; every process applies it at once."""
    count = search.replace_synonyms(text)
    log_security_event("synonyms_saved", details={"groups": count})
    db.session.commit()
    return count


def add_synonym(line: str) -> str:
    """Append one synonym group to the list."""
    group = search.add_synonym_group(line, section="Ergänzt in der Redaktion")
    log_security_event("synonym_added", details={"terms": group.terms})
    db.session.commit()
    return group.terms
