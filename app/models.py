"""Imports every model module so that metadata (and Alembic) sees all tables."""

from app.accounts.models import AuthFailure, PasswordToken, SecurityEvent, User
from app.municipalities.models import Municipality
from app.practices.models import ExperienceReport, Practice, PracticeSdg, Revision
from app.search.models import SearchChange
from app.taxonomies.models import Lever, Topic
from app.workshops.models import Module, Workshop

__all__ = [
    "AuthFailure", "ExperienceReport", "Lever", "Module", "Municipality", "Practice", "PracticeSdg",
    "PasswordToken", "Revision", "SearchChange", "SecurityEvent", "Topic", "User",
    "Workshop",
]
