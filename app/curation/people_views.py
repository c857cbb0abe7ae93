"""People in the organisers' area: accounts, invitations, role changes, deactivation."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts import invitations, services
from app.accounts.models import ROLE_LABELS, Invitation, User
from app.curation.people_forms import (
    ActionForm,
    InviteForm,
    RoleForm,
    municipality_options,
    role_options,
)
from app.curation.views import bp
from app.extensions import db
from app.practices.models import Practice


def _errors(form) -> list[tuple[str, str]]:
    """(field name, message) pairs for the error summary."""
    return [(name, message) for name, messages in form.errors.items() for message in messages
            if name != "csrf_token"]


@bp.get("/personen")
def people():
    """Accounts with role, municipality and last sign-in; pending invitations."""
    users = db.session.scalars(select(User).order_by(User.active.desc(), func.lower(User.name),
                                                     User.id)).all()
    return render_template("curation/people.html", users=users, roles=ROLE_LABELS,
                           invitations=invitations.pending_invitations(), action=ActionForm())


@bp.route("/personen/einladen", methods=["GET", "POST"])
def invite():
    """Invite a person by e-mail with role and municipality."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation, mailed = invitations.invite(
                form.email.data, form.role.data, form.chosen_municipality, form.name.data or "",
                current_user._get_current_object())
        except services.AccountError as error:
            form.email.errors.append(str(error))
        else:
            _flash_sent(invitation, mailed)
            return redirect(url_for("curation.people"))
    status = 422 if form.is_submitted() else 200
    return render_template("curation/invite.html", form=form, errors=_errors(form),
                           role_options=role_options(),
                           municipality_options=municipality_options()), status


def _flash_sent(invitation: Invitation, mailed: bool) -> None:
    if mailed:
        flash(_("Die Einladung an %(email)s ist verschickt. Der Link ist 7 Tage gültig.",
                email=invitation.email), "success")
    else:
        flash(_("Die Einladung an %(email)s ist angelegt, aber die E-Mail konnte nicht "
                "verschickt werden. Bitte versuchen Sie es mit „Erneut senden“ noch einmal.",
                email=invitation.email), "error")


def _invitation(invitation_id: int) -> Invitation:
    return db.get_or_404(Invitation, invitation_id)


@bp.post("/personen/einladungen/<int:invitation_id>/zurueckziehen")
def revoke_invitation(invitation_id: int):
    """Withdraw a pending invitation; its link stops working."""
    invitation = _invitation(invitation_id)
    if ActionForm().validate_on_submit():
        try:
            invitations.revoke(invitation)
        except services.AccountError as error:
            flash(str(error), "error")
        else:
            flash(_("Die Einladung an %(email)s ist zurückgezogen.", email=invitation.email),
                  "success")
    return redirect(url_for("curation.people"))


@bp.post("/personen/einladungen/<int:invitation_id>/erneut")
def resend_invitation(invitation_id: int):
    """Send a fresh link (valid 7 more days); the earlier link stops working."""
    invitation = _invitation(invitation_id)
    if ActionForm().validate_on_submit():
        try:
            mailed = invitations.resend(invitation)
        except services.AccountError as error:
            flash(str(error), "error")
        else:
            _flash_sent(invitation, mailed)
    return redirect(url_for("curation.people"))


def _render_person(user: User, form: RoleForm, status: int = 200):
    entries = db.session.scalar(select(func.count(Practice.id)).where(
        Practice.author_id == user.id)) or 0
    return render_template("curation/person.html", person=user, form=form, roles=ROLE_LABELS,
                           action=ActionForm(), entries=entries, errors=_errors(form),
                           is_self=user.id == current_user.id, role_options=role_options(),
                           municipality_options=municipality_options()), status


@bp.get("/personen/<int:user_id>")
def person(user_id: int):
    """One account: role, municipality, sign-ins; change the role or deactivate it."""
    user = db.get_or_404(User, user_id)
    form = RoleForm(data={"role": user.role,
                          "municipality": user.municipality.slug if user.municipality else ""})
    return _render_person(user, form)


@bp.post("/personen/<int:user_id>/rolle")
def change_role(user_id: int):
    """Change role and municipality; the person's sessions end (sign in again)."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if user.id == current_user.id:
        form.role.errors = [_("Ihre eigene Rolle kann nur eine andere Organisator*in ändern.")]
        return _render_person(user, form, 422)
    if not form.validate_on_submit():
        return _render_person(user, form, 422)
    try:
        services.set_role(user, form.role.data, form.chosen_municipality)
    except services.AccountError as error:
        form.role.errors.append(str(error))
        return _render_person(user, form, 422)
    flash(_("%(name)s ist jetzt %(role)s. Laufende Sitzungen dieser Person sind beendet.",
            name=user.name, role=_(ROLE_LABELS[user.role])), "success")
    return redirect(url_for("curation.person", user_id=user.id))


@bp.post("/personen/<int:user_id>/deaktivieren")
def deactivate(user_id: int):
    """Deactivate an account (its entries stay); its sessions end at once."""
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("curation.person", user_id=user.id))
    if user.id == current_user.id:
        flash(_("Ihr eigenes Konto können Sie hier nicht deaktivieren."), "error")
    elif user.active:
        services.deactivate_user(user)
        flash(_("Das Konto von %(name)s ist deaktiviert. Die Einträge bleiben erhalten.",
                name=user.name), "success")
    return redirect(url_for("curation.person", user_id=user.id))
