"""Module curation: each module's introduction and its ordered collection of entries.

Every page is behind the area's guard (app.curation.views). Add, move up and down, note
and remove are plain POST forms; drag and drop (static/js/curation-order.js) only posts
the new order to `pick_reorder`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.curation.collections import (
    INTRODUCTION_MAX,
    CollectionError,
    add_pick,
    candidates,
    collection,
    move_pick,
    remove_pick,
    reorder,
    set_introduction,
    set_note,
)
from app.curation.models import NOTE_MAX, ModulePick
from app.curation.views import bp
from app.extensions import db
from app.practices.models import Practice
from app.workshops.models import Module


def _module_or_404(number: int) -> Module:
    return db.first_or_404(select(Module).where(Module.number == number))


def _pick_or_404(module: Module, pick_id: int) -> ModulePick:
    pick = db.session.get(ModulePick, pick_id)
    if pick is None or pick.module_id != module.id:
        abort(404)
    return pick


def _back(module: Module, anchor: str = "auswahl"):
    return redirect(url_for("curation.collection", number=module.number, _anchor=anchor), 303)


def _page(module: Module, status: int = 200, **typed):
    """The module's curation page; `typed` keeps what was posted and the messages."""
    picks = collection(module)
    query = request.args.get("q", "").strip()[:200]
    return render_template(
        "curation/collection.html", module=module, picks=picks, query=query,
        candidates=candidates(query, module, {pick.practice_id for pick in picks}),
        introduction=typed.get("introduction", module.introduction),
        errors=typed.get("errors", {}), introduction_max=INTRODUCTION_MAX, note_max=NOTE_MAX,
        typed_notes=typed.get("notes", {})), status


@bp.get("/module")
def collections():
    """The four modules with the size of each collection."""
    modules = db.session.scalars(select(Module).order_by(Module.number)).all()
    sizes = dict(db.session.execute(select(ModulePick.module_id, func.count(ModulePick.id))
                                    .group_by(ModulePick.module_id)).all())
    return render_template("curation/collections.html", modules=modules, sizes=sizes)


@bp.get("/module/<int:number>", endpoint="collection")
def collection_page(number: int):
    """Edit one module's introduction and collection."""
    return _page(_module_or_404(number))


@bp.post("/module/<int:number>/einfuehrung")
def introduction(number: int):
    """Store the editorial introduction (Markdown)."""
    module = _module_or_404(number)
    text = request.form.get("introduction", "").replace("\r\n", "\n").strip()
    if len(text) > INTRODUCTION_MAX:
        return _page(module, 422, introduction=text, errors={"introduction": [_(
            "Die Einführung darf höchstens %(n)s Zeichen lang sein.", n=INTRODUCTION_MAX)]})
    set_introduction(module, text)
    flash(_("Die Einführung zu Modul %(n)s ist gespeichert.", n=module.number), "success")
    return _back(module, "einfuehrung")


@bp.post("/module/<int:number>/auswahl")
def pick_add(number: int):
    """Append a published entry (field `slug`) to the collection."""
    module = _module_or_404(number)
    practice = db.session.scalar(select(Practice).where(
        Practice.slug == request.form.get("slug", "")))
    if practice is None:
        return _page(module, 422, errors={"auswahl": [_("Diesen Eintrag gibt es nicht.")]})
    try:
        add_pick(module, practice, current_user, request.form.get("note", ""))
    except CollectionError as error:
        return _page(module, 422, errors={"auswahl": [str(error)]})
    flash(_("„%(title)s“ ist in der Auswahl zu Modul %(n)s.", title=practice.title,
            n=module.number), "success")
    return _back(module)


@bp.post("/module/<int:number>/auswahl/<int:pick_id>/verschieben")
def pick_move(number: int, pick_id: int):
    """One place up (`richtung=hoch`) or down (`runter`)."""
    module = _module_or_404(number)
    pick = _pick_or_404(module, pick_id)
    direction = request.form.get("richtung", "")
    if direction not in ("hoch", "runter"):
        abort(400)
    move_pick(pick, -1 if direction == "hoch" else 1)
    return _back(module, f"auswahl-{pick.id}")


@bp.post("/module/<int:number>/auswahl/<int:pick_id>/notiz")
def pick_note(number: int, pick_id: int):
    """Say why the entry matters for this module."""
    module = _module_or_404(number)
    pick = _pick_or_404(module, pick_id)
    note = request.form.get("note", "")
    try:
        set_note(pick, note)
    except CollectionError as error:
        return _page(module, 422, notes={pick.id: note},
                     errors={f"note-{pick.id}": [str(error)]})
    flash(_("Die Notiz zu „%(title)s“ ist gespeichert.", title=pick.practice.title), "success")
    return _back(module, f"auswahl-{pick.id}")


@bp.post("/module/<int:number>/auswahl/<int:pick_id>/entfernen")
def pick_remove(number: int, pick_id: int):
    """Take the entry out of the collection."""
    module = _module_or_404(number)
    pick = _pick_or_404(module, pick_id)
    title = pick.practice.title
    remove_pick(pick)
    flash(_("„%(title)s“ ist nicht mehr in der Auswahl.", title=title), "success")
    return _back(module)


@bp.post("/module/<int:number>/reihenfolge")
def pick_reorder(number: int):
    """The whole order at once (drag and drop): field `reihenfolge`, one pick id each."""
    module = _module_or_404(number)
    try:
        ids = [int(value) for value in request.form.getlist("reihenfolge")]
        reorder(module, ids)
    except (ValueError, CollectionError) as error:
        message = str(error) if isinstance(error, CollectionError) else _("Ungültige Reihenfolge.")
        if request.headers.get("X-Requested-With") == "fetch":
            return {"error": message}, 409
        return _page(module, 422, errors={"auswahl": [message]})
    if request.headers.get("X-Requested-With") == "fetch":
        return "", 204
    return _back(module)
