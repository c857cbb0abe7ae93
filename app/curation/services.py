"""Writes of the organisers' area: publication decisions, with mail to the representatives."""

from __future__ import annotations

import logging

from flask import url_for
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.practices import states
from app.practices.models import Practice
from app.practices.states import Transition
from app.practices.writing import apply_transition

log = logging.getLogger(__name__)

DECISION_MAIL = {
    states.PUBLISH.name: ("Ihr Eintrag ist veröffentlicht",
                          "„{title}“ ist jetzt in der Wissensbasis veröffentlicht:\n{url}\n"),
    states.RETURN.name: ("Ihr Eintrag wurde zurückgegeben",
                         "Das Organisationsteam hat „{title}“ mit einem Kommentar "
                         "zurückgegeben:\n\n{comment}\n\nSie können den Eintrag hier "
                         "überarbeiten und erneut einreichen:\n{url}\n"),
    states.ARCHIVE.name: ("Ihr Eintrag wurde archiviert",
                          "Das Organisationsteam hat „{title}“ archiviert.\n{comment}\n"),
}


def review_queue() -> list[Practice]:
    """Submitted entries, the longest waiting first."""
    return list(db.session.scalars(select(Practice).where(
        Practice.publication == states.SUBMITTED).order_by(Practice.updated_at, Practice.id)))


def representatives_of(practice: Practice) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.role == "representative", User.municipality_id == practice.municipality_id,
        User.active.is_(True))))


def decide(practice: Practice, move: Transition, organiser, comment: str = "") -> None:
    """Publish, return or archive an entry; then tell its municipality's representatives."""
    apply_transition(practice, move, organiser, comment)
    _notify(practice, move, comment)


def _notify(practice: Practice, move: Transition, comment: str) -> None:
    """Mail after the commit: a failed mail is logged and never undoes the decision."""
    from app.mail import send_mail

    subject, body = DECISION_MAIL[move.name]
    url = url_for("practices.detail", slug=practice.slug, _external=True)
    recipients = [user.email for user in representatives_of(practice)]
    if not recipients:
        return
    try:
        send_mail(recipients, subject, body.format(title=practice.title, url=url,
                                                   comment=comment or ""))
    except Exception:  # the decision is stored; the mail is only a notice
        log.exception("decision mail for %s failed", practice.slug)
