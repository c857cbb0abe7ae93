"""Seeding of all reference data (SPEC §4), idempotent."""

from app.extensions import db
from app.search import seed_synonyms
from app.taxonomies.seed import seed_taxonomies
from app.workshops.seed import seed_modules_and_workshops


def seed_reference_data() -> int:
    """Insert missing levers, topics, modules, workshops and synonyms; commit once; count."""
    added = seed_taxonomies() + seed_modules_and_workshops() + seed_synonyms()
    db.session.commit()
    return added
