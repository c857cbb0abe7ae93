"""Vocabulary in the organisers' area: levers, topics and the search's synonym groups."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app import search
from app.curation.people_views import _errors
from app.curation.views import bp
from app.curation.vocabulary_forms import NewTermForm, SynonymGroupForm, SynonymListForm, TermForm
from app.extensions import db
from app.taxonomies import services
from app.taxonomies.models import Lever, Topic

KIND_LABELS = {"hebel": ("Hebel", "Hebel"), "handlungsfeld": ("Handlungsfeld",
                                                              "Handlungsfelder")}


def _model(kind: str):
    model = services.KINDS.get(kind)
    if model is None:
        abort(404)
    return model


@bp.get("/vokabular")
def vocabulary():
    """Levers and topics with their names, slugs and how many entries use them."""
    levers = db.session.scalars(select(Lever).order_by(Lever.position, Lever.slug)).all()
    topics = db.session.scalars(select(Topic).order_by(Topic.position, Topic.slug)).all()
    return render_template("curation/vocabulary.html", levers=levers, topics=topics,
                           lever_counts=services.usage_counts(Lever),
                           topic_counts=services.usage_counts(Topic))


@bp.route("/vokabular/<kind>/neu", methods=["GET", "POST"])
def new_term(kind: str):
    """Add a lever or topic; its slug is fixed from then on."""
    model = _model(kind)
    form = NewTermForm()
    if form.validate_on_submit():
        try:
            item = services.add_term(model, form.name.data, form.slug.data or "",
                                     form.description.data or "")
        except services.VocabularyError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            flash(_("„%(name)s“ ist angelegt.", name=item.name), "success")
            return redirect(url_for("curation.vocabulary"))
    status = 422 if form.is_submitted() else 200
    return render_template("curation/term_new.html", form=form, kind=kind,
                           kind_label=KIND_LABELS[kind][0], is_lever=model is Lever,
                           errors=_errors(form)), status


@bp.route("/vokabular/<kind>/<slug>", methods=["GET", "POST"])
def edit_term(kind: str, slug: str):
    """Rename a lever or topic; entries and search facets show the new name at once."""
    model = _model(kind)
    item = db.first_or_404(select(model).where(model.slug == slug))
    form = TermForm(obj=item)
    if form.validate_on_submit():
        try:
            services.rename_term(item, form.name.data,
                                 form.description.data if model is Lever else None)
        except services.VocabularyError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(str(error))
        else:
            flash(_("Gespeichert: „%(name)s“.", name=item.name), "success")
            return redirect(url_for("curation.vocabulary"))
    status = 422 if form.is_submitted() else 200
    return render_template("curation/term_edit.html", form=form, item=item, kind=kind,
                           kind_label=KIND_LABELS[kind][0], is_lever=model is Lever,
                           errors=_errors(form)), status


def _render_synonyms(group_form=None, list_form=None, problems=(), status=200):
    group_form = group_form or SynonymGroupForm(formdata=None)
    list_form = list_form or SynonymListForm(formdata=None, synonyme=search.synonym_text())
    return render_template("curation/synonyms.html", group_form=group_form,
                           list_form=list_form, problems=list(problems),
                           errors=_errors(group_form) + _errors(list_form)), status


@bp.get("/synonyme")
def synonyms():
    """The synonym groups the search uses: add one, or edit the whole list."""
    return _render_synonyms()


@bp.post("/synonyme/gruppe")
def add_synonym_group():
    """Append one group; every search (in every process) uses it from the next request."""
    form = SynonymGroupForm()
    if not form.validate_on_submit():
        return _render_synonyms(group_form=form, status=422)
    try:
        terms = services.add_synonym(form.gruppe.data)
    except search.SynonymError as error:
        db.session.rollback()
        form.gruppe.errors.extend(p.split(": ", 1)[-1] for p in error.problems)
        return _render_synonyms(group_form=form, status=422)
    flash(_("Synonymgruppe ergänzt: %(terms)s", terms=terms), "success")
    return redirect(url_for("curation.synonyms"))


@bp.post("/synonyme")
def save_synonyms():
    """Replace the whole list by the edited text."""
    form = SynonymListForm()
    if not form.validate_on_submit():
        return _render_synonyms(list_form=form, status=422)
    try:
        count = services.save_synonyms(form.synonyme.data or "")
    except search.SynonymError as error:
        db.session.rollback()
        form.synonyme.errors.extend(error.problems[:20])
        if len(error.problems) > 20:
            form.synonyme.errors.append(_("… und %(n)d weitere Zeilen.",
                                          n=len(error.problems) - 20))
        return _render_synonyms(list_form=form, status=422)
    flash(_("Die Synonymliste ist gespeichert (%(n)d Gruppen). Die Suche verwendet sie ab "
            "sofort.", n=count), "success")
    return redirect(url_for("curation.synonyms"))
