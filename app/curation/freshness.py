"""Freshness: organisers mark entries as checked; stale ones get a monthly reminder.

An entry is due for a check when it was never checked or last checked 12 months ago or
earlier. Its municipality's representatives get at most one reminder about it a month
(the last one is kept per entry in `review_reminder`).
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import nulls_first, select

from app import search
from app.accounts.models import User
from app.curation.models import ReviewReminder
from app.curation.services import representatives_of
from app.extensions import db
from app.home.presentation import de_date
from app.mail import send_mail
from app.practices import states
from app.practices.models import Practice
from app.practices.services import record_revision
from app.search.outbox import record_practice_change
from app.timeutil import utcnow

log = logging.getLogger(__name__)
# A reminder run on the first of every month at about the same hour must not miss a month.
REMINDER_GRACE = timedelta(hours=12)
REMINDER_SUBJECT = "Bitte prüfen Sie Ihre Einträge in der Wissensbasis"


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def _month_after(moment: datetime) -> datetime:
    index = moment.year * 12 + moment.month  # the next month, 0-based
    year, month = divmod(index, 12)
    month += 1
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))


def mark_reviewed(practice: Practice, actor: User, today: date | None = None) -> None:
    """Set "Geprüft am" to today; it is part of the entry's file, hence a revision."""
    today = today or date.today()
    practice.reviewed = today
    record_revision(practice, source="web", author_id=actor.id,
                    note=f"Geprüft am {de_date(today)}")
    record_practice_change(practice.slug)
    db.session.commit()
    search.changes_committed()


def stale_practices(today: date | None = None) -> list[Practice]:
    """Published entries not checked for 12 months or more (or never), oldest first."""
    cutoff = months_before(today or date.today(), 12)
    return list(db.session.scalars(
        select(Practice).where(Practice.publication.in_(states.READABLE),
                               (Practice.reviewed.is_(None)) | (Practice.reviewed <= cutoff))
        .order_by(nulls_first(Practice.reviewed.asc()), Practice.published_at,
                  Practice.created_at, Practice.id)))


@dataclass
class ReminderReport:
    """What one run of `reminders send` did."""

    mails_sent: int = 0
    mails_failed: int = 0
    entries_reminded: int = 0
    entries_recently_reminded: int = 0
    entries_without_representative: int = 0
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.mails_sent} Erinnerungen verschickt ({self.entries_reminded} Einträge), "
                f"{self.mails_failed} fehlgeschlagen, {self.entries_recently_reminded} erst "
                f"kürzlich erinnert, {self.entries_without_representative} ohne Vertreter*in.")


def _due(practices: list[Practice], now: datetime) -> list[Practice]:
    last = dict(db.session.execute(select(ReviewReminder.practice_id, ReviewReminder.sent_at)
                                   .where(ReviewReminder.practice_id.in_(
                                       [p.id for p in practices]))).all())
    return [p for p in practices
            if p.id not in last or now >= _month_after(last[p.id]) - REMINDER_GRACE]


def _entry_address(practice: Practice) -> str:
    """Under BASE_URL: the command runs without a request."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/praxis/{practice.slug}"


def _mail_body(user: User, practices: list[Practice]) -> str:
    entries = "\n".join(
        f"- {p.title} (zuletzt geprüft: {de_date(p.reviewed) if p.reviewed else 'noch nie'})\n"
        f"  {_entry_address(p)}" for p in practices)
    return (f"Guten Tag {user.name},\n\nin der Wissensbasis von Kommunen for future sind diese "
            f"Einträge Ihrer Kommune seit mindestens zwölf Monaten nicht geprüft worden:\n\n"
            f"{entries}\n\nBitte sehen Sie sie durch: Stimmen Stand, Kosten und "
            f"Ansprechpersonen noch? Änderungen können Sie direkt im Eintrag speichern; "
            f"das Organisationsteam vermerkt dann die Prüfung.\n\nDiese Erinnerung kommt "
            f"höchstens einmal im Monat.\n")


def _remember(practices: list[Practice], now: datetime) -> None:
    for practice in practices:
        reminder = db.session.get(ReviewReminder, practice.id)
        if reminder is None:
            db.session.add(ReviewReminder(practice_id=practice.id, sent_at=now))
        else:
            reminder.sent_at = now


def send_reminders(today: date | None = None, now: datetime | None = None) -> ReminderReport:
    """Mail each representative the stale entries of their municipality that are due."""
    now, report = now or utcnow(), ReminderReport()
    stale = stale_practices(today or now.date())
    due = _due(stale, now)
    report.entries_recently_reminded = len(stale) - len(due)
    by_municipality: dict[int, list[Practice]] = defaultdict(list)
    for practice in due:
        by_municipality[practice.municipality_id].append(practice)
    for practices in by_municipality.values():
        people = representatives_of(practices[0])
        if not people:
            report.entries_without_representative += len(practices)
            continue
        delivered = [send_mail(user.email, REMINDER_SUBJECT, _mail_body(user, practices))
                     for user in people]
        report.mails_sent += sum(delivered)
        report.mails_failed += len(delivered) - sum(delivered)
        if any(delivered):
            _remember(practices, now)
            report.entries_reminded += len(practices)
        report.lines.append(f"{practices[0].municipality.name}: {len(practices)} Einträge, "
                            f"{sum(delivered)}/{len(people)} Mails")
    db.session.commit()
    return report
