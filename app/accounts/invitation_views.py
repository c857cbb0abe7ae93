"""Accepting an invitation: /konto/einladung/<token> (on the accounts blueprint)."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts import invitations
from app.accounts.invitation_forms import AcceptInvitationForm
from app.accounts.models import ROLE_LABELS
from app.accounts.services import AccountError
from app.accounts.views import _throttled, bp
from app.errors import abort_with_message

INVALID_LINK = _l("Dieser Einladungslink ist ungültig, abgelaufen, zurückgezogen oder wurde "
                   "bereits benutzt. Bitte fragen Sie beim Organisationsteam nach einer neuen "
                   "Einladung.")


@bp.route("/einladung/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Set name and password through an invitation link; then the person is signed in."""
    invitation = invitations.usable_invitation(token)
    if invitation is None:
        if invitations.token_guessing_blocked():
            _throttled()
        invitations.record_bad_token()
        abort_with_message(404, str(INVALID_LINK))
    form = AcceptInvitationForm(name=invitation.name or None)
    form.context_words = (invitation.email, form.name.data or "")
    status = 200
    if form.validate_on_submit():
        try:
            invitations.accept(invitation, form.name.data, form.password.data)
        except AccountError as error:
            form.password.errors.append(str(error))
        else:
            flash(_("Willkommen! Ihr Konto ist angelegt und Sie sind angemeldet."), "success")
            return redirect(url_for("accounts.profile"))
    if form.is_submitted():
        status = 422
    response = current_app.make_response((render_template(
        "accounts/accept_invitation.html", form=form, invitation=invitation,
        role_label=_(ROLE_LABELS[invitation.role])), status))
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in this page's URL
    return response
