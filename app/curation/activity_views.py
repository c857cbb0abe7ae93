"""The activity view of the organisers' area: what changed, newest first, by kind."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _

from app.curation.activity import KINDS, PER_PAGE, activity_page, users_by_email
from app.curation.views import bp
from app.errors import abort_with_message
from app.practices import states

MAX_PAGE = 10_000


@bp.get("/aktivitaet")
def activity():
    """New entries, edits (with diff links), reports, state changes and new accounts."""
    kind = request.args.get("art", "") or None
    if kind is not None and kind not in KINDS:
        abort_with_message(400, _("Unbekannte Art „%(kind)s“. Möglich: %(kinds)s.",
                                  kind=kind[:40], kinds=", ".join(KINDS)))
    page_text = request.args.get("seite", "1")
    if (not (page_text.isascii() and page_text.isdigit()) or len(page_text) > 9
            or not 1 <= int(page_text) <= MAX_PAGE):
        abort_with_message(400, _("Die Seitenzahl muss eine ganze Zahl ab 1 sein."))
    page = int(page_text)
    activities, total = activity_page(kind, page)
    pages = max(1, -(-total // PER_PAGE))
    return render_template("curation/activity.html", activities=activities, total=total,
                           page=page, pages=pages, kind=kind, kinds=KINDS,
                           state_labels=states.LABELS,
                           accounts=users_by_email(activities),
                           when=lambda value: format_datetime(value, "dd.MM.y, HH:mm"))
