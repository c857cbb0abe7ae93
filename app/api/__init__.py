"""The read-only JSON API of SPEC §5."""

from app.api.views import bp

__all__ = ["bp"]
