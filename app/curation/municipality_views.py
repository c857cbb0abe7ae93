"""Municipalities in the organisers' area: edit facts, merge two into one."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.curation.people_views import _errors
from app.curation.views import bp
from app.curation.vocabulary_forms import MergeForm, MunicipalityFactsForm
from app.extensions import db
from app.municipalities import services
from app.municipalities.models import Municipality
from app.practices.models import Practice


def _options() -> list[tuple[str, str]]:
    return [(slug, name) for slug, name in db.session.execute(
        select(Municipality.slug, Municipality.name).order_by(Municipality.name))]


@bp.get("/kommunen")
def municipalities():
    """Every municipality with its facts and number of entries."""
    counts = dict(db.session.execute(select(Practice.municipality_id, func.count(Practice.id))
                                     .group_by(Practice.municipality_id)).all())
    rows = db.session.scalars(select(Municipality).order_by(Municipality.name)).all()
    return render_template("curation/municipalities.html", municipalities=rows, counts=counts)


@bp.route("/kommunen/<slug>", methods=["GET", "POST"])
def edit_municipality(slug: str):
    """Population and district of one municipality (the region follows the district)."""
    municipality = db.first_or_404(select(Municipality).where(Municipality.slug == slug))
    form = MunicipalityFactsForm(data={
        "population": "" if municipality.population is None else str(municipality.population),
        "district": municipality.district or ""})
    if form.validate_on_submit():
        services.update_facts(municipality, form.population.number, form.district.data or None)
        flash(_("Die Angaben zu %(name)s sind gespeichert.", name=municipality.name), "success")
        return redirect(url_for("curation.municipalities"))
    status = 422 if form.is_submitted() else 200
    return render_template("curation/municipality_edit.html", form=form,
                           municipality=municipality, errors=_errors(form)), status


@bp.route("/kommunen-zusammenfuehren", methods=["GET", "POST"])
def merge_municipalities():
    """Merge two municipalities: entries, reports, accounts move; the old address redirects."""
    form = MergeForm()
    if form.validate_on_submit():
        source = db.session.scalar(select(Municipality).where(
            Municipality.slug == form.source.data))
        target = db.session.scalar(select(Municipality).where(
            Municipality.slug == form.target.data))
        if source is None:
            form.source.errors.append(_("Diese Kommune gibt es nicht."))
        elif target is None:
            form.target.errors.append(_("Diese Kommune gibt es nicht."))
        else:
            source_name, target_name, target_slug = source.name, target.name, target.slug
            moved = services.merge_municipalities(source, target)
            flash(_("%(source)s ist in %(target)s aufgegangen: %(n)d Einträge wurden "
                    "übernommen, die alte Adresse leitet weiter.", source=source_name,
                    target=target_name, n=moved), "success")
            return redirect(url_for("municipalities.detail", slug=target_slug))
    status = 422 if form.is_submitted() else 200
    return render_template("curation/merge.html", form=form, options=_options(),
                           errors=_errors(form)), status
