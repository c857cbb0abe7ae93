"""The organisers' area: one guard for every page, the review queue, decisions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.curation.services import decide, review_queue
from app.extensions import db
from app.permissions import can_apply, can_curate, is_signed_in
from app.practices import states
from app.practices.models import Practice
from app.practices.writing import TransitionRefused
from app.timeutil import utcnow

bp = Blueprint("curation", __name__, url_prefix="/redaktion")
MAX_COMMENT_LENGTH = 2000


@bp.before_request
def _organisers_only():
    """Everyone else: the sign-in page when not signed in, 403 when signed in."""
    if not is_signed_in(current_user):
        return redirect(url_for("accounts.login", next=request.path))
    if not can_curate(current_user):
        abort(403)
    return None


@bp.get("")
def queue():
    """Submitted entries with municipality, author and waiting time, oldest first."""
    return render_template("curation/queue.html", practices=review_queue(), now=utcnow(),
                           decisions=[states.TRANSITIONS[name] for name in states.DECISIONS],
                           comment_max=MAX_COMMENT_LENGTH)


def _refused(practice: Practice):
    """409: the entry's state does not allow this decision (any more)."""
    flash(_("„%(title)s“ ist %(state)s: Diese Entscheidung ist dafür nicht möglich.",
            title=practice.title, state=states.LABELS[practice.publication]), "error")
    return render_template("curation/queue.html", practices=review_queue(), now=utcnow(),
                           decisions=[states.TRANSITIONS[n] for n in states.DECISIONS],
                           comment_max=MAX_COMMENT_LENGTH), 409


@bp.post("/praxis/<slug>/entscheidung")
def decision(slug: str):
    """Publish, return (with a comment) or archive; only the state machine's moves."""
    practice = db.first_or_404(select(Practice).where(Practice.slug == slug))
    move = states.transition(request.form.get("aktion", ""))
    comment = request.form.get("kommentar", "").strip()
    if move is None or move.name not in states.DECISIONS:
        flash(_("Unbekannte Entscheidung."), "error")
        return redirect(url_for("curation.queue")), 303
    if not can_apply(current_user, practice, move):
        return _refused(practice)
    problem = None
    if move is states.RETURN and not comment:
        problem = _("Bitte schreiben Sie beim Zurückgeben einen Kommentar für die Autor*innen.")
    elif len(comment) > MAX_COMMENT_LENGTH:
        problem = _("Der Kommentar darf höchstens %(n)s Zeichen lang sein (hat %(has)s).",
                    n=MAX_COMMENT_LENGTH, has=len(comment))
    if problem:
        flash(problem, "error")
        return render_template("curation/queue.html", practices=review_queue(), now=utcnow(),
                               decisions=[states.TRANSITIONS[n] for n in states.DECISIONS],
                               typed={slug: comment}, comment_max=MAX_COMMENT_LENGTH), 422
    try:
        decide(practice, move, current_user, comment)
    except TransitionRefused:  # another organiser decided in the same moment
        db.session.rollback()
        return _refused(practice)
    flash(_("„%(title)s“ ist %(done)s.", title=practice.title, done=move.done), "success")
    return redirect(url_for("curation.queue"))


# The area's other pages live in their own modules on this blueprint (and so behind the
# same guard); importing them here registers their routes.
from app.curation import (  # noqa: E402, F401  - route modules register on bp
    activity_views,
    collection_views,
    freshness_views,
    municipality_views,
    people_views,
    review_views,
    vocabulary_views,
    workshop_views,
)
