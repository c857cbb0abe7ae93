"""Freshness in the organisers' area: "Geprüft am" and the entries due for a check.

Every page is behind the area's guard (app.curation.views).
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.curation.freshness import mark_reviewed, months_before, stale_practices
from app.curation.views import bp
from app.errors import abort_with_message
from app.extensions import db
from app.home.presentation import de_date
from app.practices.models import Practice


@bp.post("/praxis/<slug>/geprueft")
def reviewed(slug: str):
    """Mark a published entry as checked today; back to the entry or to the list."""
    practice = db.first_or_404(select(Practice).where(Practice.slug == slug))
    if not practice.is_published:
        abort_with_message(409, _("Nur veröffentlichte Einträge können als geprüft markiert "
                                  "werden."))
    mark_reviewed(practice, current_user)
    flash(_("„%(title)s“ ist als geprüft am %(day)s vermerkt.", title=practice.title,
            day=de_date(practice.reviewed)), "success")
    if request.form.get("zurueck") == "liste":
        return redirect(url_for("curation.stale"), 303)
    return redirect(url_for("practices.detail", slug=slug), 303)


@bp.get("/pruefung")
def stale():
    """Entries not checked for 12 months or more (or never), oldest first."""
    today = date.today()
    return render_template("curation/stale.html", practices=stale_practices(today),
                           cutoff=months_before(today, 12))
