"""'Übernommen von' in the entry form: a search for the entries of other towns a
municipality took an approach from, and the server's check of what is named.

A list of every published entry was a 240 KB form at 3,000 entries, and no one scrolls
through 20,000: the form's search box finds them by words or by a pasted address.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.municipalities.models import Municipality
from app.permissions import visible_practices_filter
from app.practices import rules
from app.practices.forms import EntryInput
from app.practices.models import Practice
from app.search import SearchRequest, search_practices

CANDIDATES = 10  # found entries offered to tick
ADDRESS_SLUG = re.compile(r"/praxis/([a-z0-9-]+)")  # a pasted entry address


def candidates(entry: EntryInput, practice: Practice | None,
               municipality: Municipality | None) -> list[str]:
    """Slugs of the published entries of towns other than `municipality` that the words
    (or the address) typed into the search box find, best first."""
    query = entry.adopted_from_query.strip()[:rules.ADOPTION_QUERY_MAX]
    if not query:
        return []
    address = ADDRESS_SLUG.search(query)
    if address:
        found = [address.group(1)]
    else:
        result = search_practices(SearchRequest(q=query, per_page=CANDIDATES * 2),
                                  viewer=current_user)
        found = [hit.slug for hit in result.hits]
    others = _of_other_towns(found, municipality, practice)
    return [slug for slug in found if slug in others][:CANDIDATES]


def _of_other_towns(slugs: list[str], municipality: Municipality | None,
                    practice: Practice | None = None) -> set[str]:
    """Those of `slugs` that name entries this person may see, of towns other than
    `municipality`, and not `practice` itself."""
    return set(db.session.scalars(select(Practice.slug).where(
        Practice.slug.in_(slugs), visible_practices_filter(current_user),
        Practice.municipality_id != (municipality.id if municipality else None),
        Practice.id != (practice.id if practice else None))))


def options(entry: EntryInput, found: list[str]) -> list[tuple[str, str]]:
    """The chosen entries (ticked) and then the found ones, as (slug, "Titel (Kommune)");
    a chosen entry this person may not see (or not imported yet) shows its address only."""
    slugs = list(dict.fromkeys([*entry.adopted_from, *found]))
    if not slugs:
        return []
    labels = {slug: f"{title} ({town})" for slug, title, town in db.session.execute(
        select(Practice.slug, Practice.title, Municipality.name).join(Practice.municipality)
        .where(Practice.slug.in_(slugs), visible_practices_filter(current_user)))}
    return [(slug, labels.get(slug, slug)) for slug in slugs]


def problems(entry: EntryInput, practice: Practice | None, municipality: Municipality | None,
             *, saving: bool) -> list[str]:
    """Newly named entries must be published entries of other towns that this person may
    see (names kept from earlier versions, such as an imported file's, stay); and a search
    typed but not acted upon is not dropped silently on saving."""
    found_problems = []
    stored = set(practice.adopted_from or []) if practice else set()
    own_slug = practice.slug if practice else None  # the file rules refuse naming itself
    new = [slug for slug in entry.adopted_from if slug not in stored and slug != own_slug]
    if new:
        allowed = _of_other_towns(new, municipality)
        refused = [slug for slug in new if slug not in allowed]
        if refused:
            found_problems.append(_("Nur veröffentlichte Einträge anderer Kommunen können "
                                    "genannt werden, nicht: %(slugs)s", slugs=", ".join(refused)))
    if saving and entry.adopted_from_query.strip():
        found = candidates(entry, practice, municipality)
        if not found:
            found_problems.append(_("Zu Ihrer Suche unter „Übernommen von“ passt kein Eintrag. "
                                    "Bitte ändern oder leeren Sie das Suchfeld."))
        elif not set(found) & set(entry.adopted_from):
            found_problems.append(_("Bitte haken Sie an, von welchem der gefundenen Einträge "
                                    "Sie übernommen haben, oder leeren Sie das Suchfeld."))
    return found_problems
