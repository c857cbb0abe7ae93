"""Experience reports: their outcomes, the write services and the look-ups for pages.

Outcome values, their German labels and the report states are defined here only.

Adoption ("übernommen von"): a report with the outcome "uebernommen" or "angepasst" may
name the reporting municipality's own entry that took the approach up
(`ExperienceReport.adopted_practice`). The link is computed from the reports in
`app.practices.queries.adopted_from` / `adopted_by`; it is NOT written into the adopting
entry's `adopted_from` list. That list is part of the entry's file and revisions, which
belong to the entry's editors, while a report's author (perhaps a member) edits only the
report; and editing, hiding or deleting the report takes the link away with it, without a
revision of another entry. `practices export` therefore writes only the `adopted_from`
its editors wrote.

Every service commits once, records the entry's search change in the same transaction
(report text is part of the entry's search document) and then tells the search.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app import search
from app.accounts.audit import log_security_event
from app.extensions import db
from app.markdown import render_markdown
from app.permissions import visible_practices_filter
from app.practices.models import ExperienceReport, Practice
from app.search.outbox import record_practice_change
from app.timeutil import utcnow

UEBERNOMMEN = "uebernommen"
ANGEPASST = "angepasst"
AUSPROBIERT = "ausprobiert"
OUTCOMES = (UEBERNOMMEN, ANGEPASST, AUSPROBIERT)
OUTCOME_LABELS = {
    UEBERNOMMEN: "übernommen",
    ANGEPASST: "angepasst übernommen",
    AUSPROBIERT: "ausprobiert, nicht fortgeführt",
}
# Outcomes after which the reporting municipality may name its own adopting entry.
ADOPTING_OUTCOMES = frozenset({UEBERNOMMEN, ANGEPASST})

# Report states (column `publication`): readers see published reports only.
PUBLISHED = "published"
HIDDEN = "hidden"

MAX_BODY_CHARS = 5000


@dataclass(frozen=True)
class ReportInput:
    """What a report's author may set: nothing else reaches the model."""

    body: str
    outcome: str
    adopted: Practice | None = None


def _apply(report: ExperienceReport, data: ReportInput) -> None:
    report.body = data.body
    report.body_html = str(render_markdown(data.body))
    report.outcome = data.outcome
    adopts = data.adopted is not None and data.outcome in ADOPTING_OUTCOMES
    report.adopted_practice = data.adopted if adopts else None
    report.updated_at = utcnow()


def _commit(practice: Practice) -> None:
    """Store the change with the entry's search update, then let the search apply it."""
    record_practice_change(practice.slug)
    db.session.commit()
    search.changes_committed()


def create_report(practice: Practice, author, data: ReportInput) -> ExperienceReport:
    """Add the author's report to a published entry, for the author's municipality."""
    report = ExperienceReport(practice=practice, author=author,
                              municipality_id=author.municipality_id, publication=PUBLISHED)
    _apply(report, data)
    db.session.add(report)
    _commit(practice)
    return report


def update_report(report: ExperienceReport, data: ReportInput) -> None:
    """Change a report's text, outcome and adopting entry."""
    _apply(report, data)
    _commit(report.practice)


def delete_report(report: ExperienceReport) -> None:
    """Remove a report for good."""
    practice = report.practice
    db.session.delete(report)
    _commit(practice)


def _set_state(report: ExperienceReport, state: str, action: str) -> None:
    report.publication = state
    log_security_event(action, target=f"experience_report:{report.id}",
                       details={"practice": report.practice.slug})
    _commit(report.practice)


def hide_report(report: ExperienceReport) -> None:
    """An organiser hides a report from readers, search and the API."""
    _set_state(report, HIDDEN, "report_hidden")


def unhide_report(report: ExperienceReport) -> None:
    """An organiser shows a hidden report again."""
    _set_state(report, PUBLISHED, "report_unhidden")


def reports_by_author(user) -> list[ExperienceReport]:
    """The user's own reports, newest first (for "Meine Einträge")."""
    return list(db.session.scalars(
        select(ExperienceReport).where(ExperienceReport.author_id == user.id)
        .order_by(ExperienceReport.created_at.desc(), ExperienceReport.id.desc())))


def reports_of_municipality(municipality_id: int) -> list[ExperienceReport]:
    """A municipality's published reports on entries the current reader may see."""
    return list(db.session.scalars(
        select(ExperienceReport).join(ExperienceReport.practice)
        .where(ExperienceReport.municipality_id == municipality_id,
               ExperienceReport.publication == PUBLISHED, visible_practices_filter())
        .order_by(ExperienceReport.created_at.desc(), ExperienceReport.id.desc())))


def adoption_candidates(user, practice: Practice) -> list[Practice]:
    """The entries of the user's municipality that may be named as adopting `practice`."""
    if user.municipality_id is None:
        return []
    return list(db.session.scalars(
        select(Practice).where(Practice.municipality_id == user.municipality_id,
                               Practice.id != practice.id)
        .order_by(Practice.title)))
