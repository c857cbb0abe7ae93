"""Writes and look-ups for municipalities."""

from collections.abc import Container

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.markdown import heading_slug
from app.municipalities.models import Municipality, kind_from_name
from app.municipalities.regions import region_for_district


def unique_municipality_slug(name: str, taken: Container[str] = ()) -> str:
    """A slug for a new municipality that no other municipality has (nor one in `taken`:
    slugs given to municipalities not flushed yet)."""
    base = heading_slug(name)[:90]
    slug, counter = base, 2
    while slug in taken or _slug_taken(slug):
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def _slug_taken(slug: str) -> bool:
    """Taken by a municipality, or kept as the address of a merged one."""
    from app.municipalities.redirects import MunicipalityRedirect

    return bool(db.session.scalar(select(Municipality.id).where(Municipality.slug == slug))
                or db.session.get(MunicipalityRedirect, slug))


def get_or_create_municipality(
    name: str, state: str | None = None, district: str | None = None,
    population: int | None = None,
) -> Municipality:
    """The municipality of exactly this name; a new one (not committed) when unknown."""
    municipality = db.session.scalar(select(Municipality).where(Municipality.name == name))
    if municipality is None:
        municipality = new_municipality(name, state, district, population)
        db.session.add(municipality)
        db.session.flush()
    return municipality


def new_municipality(name: str, state: str | None = None, district: str | None = None,
                     population: int | None = None, taken: Container[str] = ()) -> Municipality:
    """A municipality of this name, not yet in the session, with a slug of its own."""
    return Municipality(
        name=name, slug=unique_municipality_slug(name, taken), kind=kind_from_name(name),
        state=state, district=district, population=population,
        region=region_for_district(district) if state in (None, "Bayern") else None,
    )


class MunicipalityError(ValueError):
    """A German message for the organiser, naming the field it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _record_entries(municipality_id: int) -> list[str]:
    """Note a search change for each entry of the municipality (its facts are indexed)."""
    from app.practices.models import Practice
    from app.search.outbox import record_practice_change

    slugs = list(db.session.scalars(
        select(Practice.slug).where(Practice.municipality_id == municipality_id)))
    for slug in slugs:
        record_practice_change(slug)
    return slugs


def update_facts(municipality: Municipality, population: int | None,
                 district: str | None) -> Municipality:
    """Save population and district; the Regierungsbezirk follows from the district."""
    from app import search
    from app.accounts.audit import log_security_event

    old = {"population": municipality.population, "district": municipality.district}
    municipality.population = population
    municipality.district = district or None
    if municipality.state in (None, "Bayern"):
        municipality.region = region_for_district(municipality.district)
    new = {"population": municipality.population, "district": municipality.district}
    if old != new:
        _record_entries(municipality.id)
        log_security_event("municipality_updated", target=municipality.slug,
                           details={f"old_{k}": v for k, v in old.items()}
                           | {f"new_{k}": v for k, v in new.items()})
    db.session.commit()
    search.changes_committed()
    return municipality


def _municipality_references():
    """(table, column) of every column that points at municipality.id, found in the metadata
    so that a new domain's rows move along without a change here."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "municipality" for fk in column.foreign_keys):
                yield table, column


def merge_municipalities(source: Municipality, target: Municipality) -> int:
    """Move entries, reports, accounts and everything else of `source` to `target`, delete
    `source` and keep its address as a redirect; return how many entries moved."""
    from sqlalchemy import delete, update

    from app import search
    from app.accounts.audit import log_security_event
    from app.municipalities.redirects import MunicipalityRedirect

    if source.id == target.id:
        raise MunicipalityError("target", _("Bitte wählen Sie zwei verschiedene Kommunen."))
    moved = _record_entries(source.id)
    db.session.execute(delete(MunicipalityRedirect).where(
        MunicipalityRedirect.old_slug == source.slug))
    db.session.flush()
    for table, column in _municipality_references():
        db.session.execute(update(table).where(column == source.id).values(
            {column.name: target.id}))
    db.session.add(MunicipalityRedirect(old_slug=source.slug, municipality_id=target.id))
    log_security_event("municipalities_merged", target=target.slug, details={
        "from": source.name, "from_slug": source.slug, "into": target.name,
        "entries": len(moved)})
    db.session.flush()
    db.session.execute(delete(Municipality).where(Municipality.id == source.id))
    db.session.commit()
    db.session.expire_all()
    search.changes_committed()
    return len(moved)


def municipality_for_old_slug(slug: str) -> Municipality | None:
    """The municipality an old (merged) address now belongs to."""
    from app.municipalities.redirects import MunicipalityRedirect

    redirect = db.session.get(MunicipalityRedirect, slug)
    return redirect.municipality if redirect else None
