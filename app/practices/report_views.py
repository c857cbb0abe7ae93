"""Writing, editing, deleting and hiding experience reports on an entry (SPEC §6)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.permissions import (
    can_edit_report,
    can_hide_report,
    can_report_on,
    can_view_practice,
)
from app.practices.models import ExperienceReport, Practice
from app.practices.parking import parked_form_for_request, sign_in_keeping_input
from app.practices.queries import get_visible_practice_or_404
from app.practices.report_forms import ReportForm
from app.practices.reports import (
    adoption_candidates,
    create_report,
    delete_report,
    hide_report,
    unhide_report,
    update_report,
)

bp = Blueprint("reports", __name__)


def hidden_reports(practice: Practice) -> list[ExperienceReport]:
    """The entry's hidden reports, for those who may show them again (else none)."""
    return [report for report in practice.experience_reports
            if report.is_hidden and can_hide_report(None, report)]


@bp.app_context_processor
def report_helpers() -> dict:
    """What the entry page asks about reports, for the signed-in person.

    Like ``app.permissions.template_globals`` (which offers ``can_report_on(practice)``),
    the predicates take only the object.
    """
    return {"can_edit_report": lambda report: can_edit_report(None, report),
            "can_hide_report": lambda report: can_hide_report(None, report),
            "can_view_practice": lambda practice: can_view_practice(None, practice),
            "hidden_reports": hidden_reports}


def _reportable_practice_or_404(slug: str) -> Practice:
    practice = get_visible_practice_or_404(slug)
    if not can_report_on(current_user, practice):
        abort(404)
    return practice


def get_report_or_404(slug: str, report_id: int, check=can_edit_report) -> ExperienceReport:
    """The report on this (visible) entry; 404 if there is none, 403 if `check` refuses."""
    practice = get_visible_practice_or_404(slug)
    report = db.session.get(ExperienceReport, report_id)
    if report is None or report.practice_id != practice.id:
        abort(404)
    if not check(current_user, report):
        abort(403)
    return report


def _back_to(report_or_practice) -> str:
    practice = getattr(report_or_practice, "practice", report_or_practice)
    return url_for("practices.detail", slug=practice.slug, _anchor="seite-erfahrungen")


def _formdata():
    """The posted fields, or on a GET those kept while the session had expired."""
    if request.method == "POST":
        return request.form
    return parked_form_for_request()


@bp.route("/praxis/<slug>/erfahrung", methods=["GET", "POST"])
@sign_in_keeping_input
def new(slug: str):
    """Form for an experience report on a published entry."""
    practice = _reportable_practice_or_404(slug)
    form = ReportForm(formdata=_formdata(), candidates=adoption_candidates(current_user, practice))
    if form.validate_on_submit():
        create_report(practice, current_user, form.report_input())
        flash(_("Danke! Ihr Erfahrungsbericht ist veröffentlicht."), "success")
        return redirect(_back_to(practice))
    return render_template("reports/new.html", form=form, practice=practice), \
        422 if form.is_submitted() else 200


@bp.route("/praxis/<slug>/erfahrung/<int:report_id>/bearbeiten", methods=["GET", "POST"])
@sign_in_keeping_input
def edit(slug: str, report_id: int):
    """The author changes their report."""
    report = get_report_or_404(slug, report_id)
    adopted = report.adopted_practice.slug if report.adopted_practice else ""
    form = ReportForm(formdata=_formdata(),
                      candidates=adoption_candidates(current_user, report.practice),
                      data={"body": report.body, "outcome": report.outcome, "adopted": adopted})
    if form.validate_on_submit():
        update_report(report, form.report_input())
        flash(_("Ihr Erfahrungsbericht ist gespeichert."), "success")
        return redirect(_back_to(report))
    return render_template("reports/edit.html", form=form, report=report,
                           practice=report.practice), 422 if form.is_submitted() else 200


@bp.get("/praxis/<slug>/erfahrung/<int:report_id>/loeschen")
@login_required
def confirm_delete(slug: str, report_id: int):
    """Asks the author once more before the report is deleted."""
    report = get_report_or_404(slug, report_id)
    return render_template("reports/confirm_delete.html", report=report,
                           practice=report.practice)


@bp.post("/praxis/<slug>/erfahrung/<int:report_id>/loeschen")
@login_required
def delete(slug: str, report_id: int):
    """The author deletes their report."""
    report = get_report_or_404(slug, report_id)
    practice = report.practice
    delete_report(report)
    flash(_("Ihr Erfahrungsbericht ist gelöscht."), "success")
    return redirect(_back_to(practice))


@bp.post("/praxis/<slug>/erfahrung/<int:report_id>/ausblenden")
@login_required
def hide(slug: str, report_id: int):
    """An organiser hides a report from readers, search and the API."""
    report = get_report_or_404(slug, report_id, check=can_hide_report)
    hide_report(report)
    flash(_("Der Erfahrungsbericht ist ausgeblendet."), "success")
    return redirect(_back_to(report))


@bp.post("/praxis/<slug>/erfahrung/<int:report_id>/einblenden")
@login_required
def unhide(slug: str, report_id: int):
    """An organiser shows a hidden report again."""
    report = get_report_or_404(slug, report_id, check=can_hide_report)
    unhide_report(report)
    flash(_("Der Erfahrungsbericht ist wieder sichtbar."), "success")
    return redirect(_back_to(report))
