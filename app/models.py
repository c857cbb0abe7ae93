"""Imports every model module so that metadata (and Alembic) sees all tables."""

from app.accounts.models import AuthFailure, Invitation, PasswordToken, SecurityEvent, User
from app.curation.models import ModulePick, ReviewReminder
from app.deciding.models import RememberedPractice
from app.municipalities.models import Municipality
from app.municipalities.redirects import MunicipalityRedirect
from app.practices.models import (
    ExperienceReport,
    ParkedForm,
    Practice,
    PracticeLever,
    PracticeModule,
    PracticeSdg,
    PracticeTopic,
    PracticeWorkshop,
    Revision,
    StateChange,
)
from app.search.models import SearchChange, SynonymGroup, SynonymVersion
from app.taxonomies.models import Lever, Topic
from app.uploads.models import Attachment
from app.workshops.models import Module, Workshop, WorkshopAttachment

__all__ = [
    "Attachment",
    "AuthFailure", "ExperienceReport", "Lever", "Module", "Municipality", "ParkedForm",
    "PasswordToken", "Practice", "PracticeLever", "PracticeModule", "PracticeSdg",
    "PracticeTopic", "PracticeWorkshop", "RememberedPractice", "Revision", "SearchChange",
    "SecurityEvent", "StateChange", "Topic", "User", "Workshop",
    "ModulePick", "ReviewReminder", "WorkshopAttachment",
    "Invitation", "MunicipalityRedirect", "SynonymGroup", "SynonymVersion",
]
