"""Who may do what: small predicates used by views and templates alike."""

from flask_login import current_user
from sqlalchemy import and_, true

from app.practices.models import Practice


def is_signed_in(user=None) -> bool:
    user = user or current_user
    return bool(user and user.is_authenticated)


def is_organiser(user=None) -> bool:
    user = user or current_user
    return is_signed_in(user) and user.role == "organiser"


def can_manage_users(user=None) -> bool:
    """Creating accounts, changing roles and reading the audit log: organisers only."""
    return is_organiser(user)


def can_see_members_only(user=None) -> bool:
    """Entries with visibility 'members' are for signed-in people only."""
    return is_signed_in(user)


def can_see_contact_details(user=None) -> bool:
    """E-mail and phone of contacts are personal data: signed-in people only."""
    return is_signed_in(user)


def can_view_practice(practice: Practice, user=None) -> bool:
    """Published entries by visibility; unpublished ones for organisers and own municipality."""
    user = user or current_user
    if practice.is_published:
        return practice.visibility == "public" or can_see_members_only(user)
    if is_organiser(user):
        return True
    return (is_signed_in(user) and user.role == "representative"
            and user.municipality_id == practice.municipality_id)


def visible_practices_filter(user=None):
    """SQL condition: the published practices this user may see in lists."""
    condition = Practice.publication == "published"
    if can_see_members_only(user):
        return and_(condition, true())
    return and_(condition, Practice.visibility == "public")
