"""Full-text search: the only package that imports Whoosh."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Bind the search index to the app."""


def apply_pending_changes() -> int:
    """Apply the outbox to the index now; return how many changes were applied."""
    return 0
