"""How an account appears to others: a deleted author reads "ehemaliges Konto".

Templates use the filter `{{ revision.author|author_name }}` (registered by the accounts
blueprint); Python code calls author_name(user). A revision or entry that came from a file
import has no author either: show its source first where that matters.
"""

from flask_babel import gettext as _

from app.accounts.models import User


def author_name(user: User | None) -> str:
    """The author's name, or "ehemaliges Konto" when the account was deleted."""
    return user.name if user is not None else _("ehemaliges Konto")
