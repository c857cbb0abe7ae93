"""Writing to the search outbox, in the caller's transaction."""

from app.extensions import db
from app.search.models import SearchChange


def record_practice_change(slug: str) -> None:
    """Note that a practice changed; the index applies it after the commit."""
    db.session.add(SearchChange(practice_slug=slug))
