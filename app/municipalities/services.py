"""Writes and look-ups for municipalities."""

from sqlalchemy import select

from app.extensions import db
from app.markdown import heading_slug
from app.municipalities.models import Municipality, kind_from_name
from app.municipalities.regions import region_for_district


def unique_municipality_slug(name: str) -> str:
    """A slug for a new municipality that no other municipality has."""
    base = heading_slug(name)[:90]
    slug, counter = base, 2
    while db.session.scalar(select(Municipality.id).where(Municipality.slug == slug)):
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def get_or_create_municipality(
    name: str, state: str | None = None, district: str | None = None,
    population: int | None = None,
) -> Municipality:
    """The municipality of exactly this name; a new one (not committed) when unknown."""
    municipality = db.session.scalar(select(Municipality).where(Municipality.name == name))
    if municipality is None:
        municipality = Municipality(
            name=name, slug=unique_municipality_slug(name), kind=kind_from_name(name),
            state=state, district=district, population=population,
            region=region_for_district(district) if state in (None, "Bayern") else None,
        )
        db.session.add(municipality)
        db.session.flush()
    return municipality
