"""Who may do what: small predicates used by views and templates alike.

Every predicate takes the user first and the object second; ``user=None`` means the
current user. Views load an object and ask one of these before acting; templates ask the
same ones to decide which buttons to show.
"""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import and_, true

from app.practices import states
from app.practices.models import ExperienceReport, Practice
from app.practices.states import Transition


def _user(user):
    return current_user if user is None else user


def is_signed_in(user=None) -> bool:
    user = _user(user)
    return bool(user and user.is_authenticated)


def is_organiser(user=None) -> bool:
    user = _user(user)
    return is_signed_in(user) and user.role == "organiser"


def is_representative_of(user, municipality_id: int | None) -> bool:
    """A signed-in representative of exactly this municipality."""
    user = _user(user)
    return (is_signed_in(user) and user.role == "representative"
            and municipality_id is not None and user.municipality_id == municipality_id)


def can_manage_users(user=None) -> bool:
    """Creating accounts, changing roles and reading the audit log: organisers only."""
    return is_organiser(user)


def can_curate(user=None) -> bool:
    """The organisers' area (/redaktion): review queue, module collections, workshops."""
    return is_organiser(user)


def can_see_members_only(user=None) -> bool:
    """Entries with visibility 'members' are for signed-in people only."""
    return is_signed_in(user)


def can_see_contact_details(user=None) -> bool:
    """E-mail and phone of contacts are personal data: signed-in people only."""
    return is_signed_in(user)


def can_create_practice(user=None) -> bool:
    """Representatives (for their own municipality) and organisers (for any) write entries."""
    user = _user(user)
    return is_organiser(user) or (is_signed_in(user) and user.role == "representative"
                                  and user.municipality_id is not None)


def can_choose_municipality(user=None) -> bool:
    """Only organisers may write an entry for another municipality than their own."""
    return is_organiser(user)


def can_edit_practice(user, practice: Practice) -> bool:
    """Representatives of the entry's municipality and organisers; not once archived."""
    if is_organiser(user):
        return True
    return (practice.publication in states.EDITABLE
            and is_representative_of(user, practice.municipality_id))


def can_view_history(user, practice: Practice) -> bool:
    """The revisions are for those who may edit the entry (and organisers)."""
    return can_edit_practice(user, practice)


def can_restore_revision(user, practice: Practice) -> bool:
    """Restoring an old revision is an organiser's decision."""
    return is_organiser(user)


def can_apply(user, practice: Practice, move: Transition) -> bool:
    """May this user move the entry along `move` from its current state?"""
    if not states.allows(move, practice.publication):
        return False
    if move.organisers_only:
        return is_organiser(user)
    return can_edit_practice(user, practice)


def can_view_practice(user, practice: Practice) -> bool:
    """Published entries by visibility; unpublished ones for organisers and own municipality."""
    if practice.is_published:
        return practice.visibility == "public" or can_see_members_only(user)
    return is_organiser(user) or is_representative_of(user, practice.municipality_id)


def can_report_on(user, practice: Practice) -> bool:
    """Any signed-in person may write an experience report on a published entry."""
    return is_signed_in(user) and practice.is_published


def can_edit_report(user, report: ExperienceReport) -> bool:
    """Authors edit or delete their own reports."""
    user = _user(user)
    return is_signed_in(user) and report.author_id is not None and report.author_id == user.id


def can_hide_report(user, report: ExperienceReport) -> bool:
    """Organisers may hide any report."""
    return is_organiser(user)


def visible_practices_filter(user=None):
    """SQL condition: the published practices this user may see in lists."""
    condition = Practice.publication.in_(states.READABLE)
    if can_see_members_only(user):
        return and_(condition, true())
    return and_(condition, Practice.visibility == "public")


def template_globals() -> dict:
    """The predicates templates ask, for the signed-in person (registered in create_app)."""
    return {
        "can_create_practice": lambda: can_create_practice(None),
        "can_edit_practice": lambda practice: can_edit_practice(None, practice),
        "can_view_history": lambda practice: can_view_history(None, practice),
        "can_submit": lambda practice: can_apply(None, practice, states.SUBMIT),
        "can_curate": lambda: can_curate(None),
        "can_report_on": lambda practice: can_report_on(None, practice),
    }
