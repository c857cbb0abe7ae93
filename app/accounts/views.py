"""Account pages under /konto: sign-in and -out, one-time links, password change, profile,
"Passwort vergessen?", and the GDPR pages (own data as JSON, deleting the account)."""

import json
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import privacy, services, throttle
from app.accounts.audit import client_address, log_security_event
from app.accounts.display import author_name
from app.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    ProfileForm,
    SetPasswordForm,
)
from app.accounts.models import ROLE_LABELS
from app.errors import abort_with_message
from app.extensions import db

bp = Blueprint("accounts", __name__, url_prefix="/konto")
bp.add_app_template_filter(author_name, "author_name")

THROTTLED_MESSAGE = ("Zu viele fehlgeschlagene Versuche. Bitte warten Sie eine Minute "
                     "und versuchen Sie es dann erneut.")


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS (SECURITY.md 8)."""

    def get_cookie_secure(self, app):
        return super().get_cookie_secure(app) or request.is_secure


@bp.record_once
def _install_session_interface(state) -> None:
    state.app.session_interface = SessionInterface()


@bp.after_request
def _no_store(response):
    """Account pages hold CSRF tokens and personal data: keep them out of every cache."""
    response.headers["Cache-Control"] = "no-store"
    if response.status_code == 429:
        response.headers["Retry-After"] = "60"
    return response


@bp.after_app_request
def _audit_denied_access(response):
    """Log every 403 answer of the whole app as a security event (SECURITY.md 18)."""
    if response.status_code == 403:
        db.session.rollback()  # a denied request must not store anything else
        log_security_event("access_denied", target=request.path,
                           details={"method": request.method}, commit=True)
    return response


def safe_next(target: str | None) -> str | None:
    """Only local paths are allowed as a redirect target after sign-in (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _throttled():
    abort_with_message(429, _(THROTTLED_MESSAGE))


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    """Sign in with e-mail address and password."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or url_for("accounts.profile"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.sign_in(form.email.data, form.password.data)
        if result.throttled:
            _throttled()
        if result.user is not None:
            flash(_("Sie sind angemeldet."), "success")
            return redirect(next_url or url_for("home.index"))
        form.password.errors.append(_("E-Mail-Adresse oder Passwort ist falsch."))
    return render_template("accounts/login.html", form=form, next_url=next_url)


@bp.post("/abmelden")
def logout():
    """Sign out: every session of this account ends (session version bump)."""
    form = LogoutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        services.sign_out(current_user._get_current_object())
        flash(_("Sie sind abgemeldet."), "success")
    return redirect(url_for("home.index"))


@bp.route("/passwort-setzen/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Set a password through a one-time link printed by `flask users create`."""
    stored = services.usable_token(token)
    if stored is None:
        if throttle.is_blocked(token_ip=client_address()):
            _throttled()
        services.record_bad_token()
        abort_with_message(404, _("Dieser Link ist ungültig, abgelaufen oder wurde bereits "
                                  "benutzt. Einen neuen Link können Sie über „Passwort "
                                  "vergessen?“ auf der Anmeldeseite anfordern."))
    form = SetPasswordForm()
    form.context_words = (stored.user.email, stored.user.name)
    if form.validate_on_submit():
        try:
            services.set_password_with_token(stored, form.password.data)
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            flash(_("Ihr Passwort ist gespeichert. Bitte melden Sie sich jetzt an."), "success")
            return redirect(url_for("accounts.login"))
    response = current_app.make_response((
        render_template("accounts/set_password.html", form=form, user=stored.user),
        422 if form.is_submitted() else 200))
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in this page's URL
    return response


@bp.route("/passwort-aendern", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the own password; asks for the current one."""
    form = ChangePasswordForm()
    form.context_words = (current_user.email, current_user.name)
    if form.validate_on_submit():
        try:
            services.change_password(current_user._get_current_object(),
                                     form.current_password.data, form.password.data)
        except services.ThrottledError:
            _throttled()
        except services.AccountError as error:
            form.current_password.errors.append(str(error))
        else:
            flash(_("Ihr Passwort ist geändert. Andere Sitzungen wurden beendet."), "success")
            return redirect(url_for("accounts.profile"))
    status = 422 if form.is_submitted() else 200  # refused: the form again, with reasons
    return render_template("accounts/change_password.html", form=form), status


@bp.get("")
@login_required
def profile():
    """The own account: name, e-mail address, role and municipality."""
    return render_template("accounts/profile.html", user=current_user,
                           role_label=_(ROLE_LABELS[current_user.role]))


RESET_ANSWER = ("Wenn es ein Konto mit dieser Adresse gibt, haben wir Ihnen eine E-Mail mit "
                "einem Link zum Setzen eines neuen Passworts geschickt. Der Link ist zwei "
                "Stunden gültig. Bitte sehen Sie auch im Spam-Ordner nach.")


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
def forgot_password():
    """Ask for a one-time link by e-mail; the answer never tells whether an account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            services.request_password_reset(form.email.data)
        except services.ThrottledError:
            abort_with_message(429, _("Zu viele Anfragen. Bitte warten Sie eine Viertelstunde "
                                      "und versuchen Sie es dann erneut."))
        flash(_(RESET_ANSWER), "success")
        return redirect(url_for("accounts.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/profil", methods=["GET", "POST"])
@login_required
def edit_profile():
    """Edit the own name and the defaults for an entry's contact (role, phone)."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        try:
            services.update_profile(user, form.name.data, form.contact_role.data or "",
                                    form.phone.data or "")
        except services.AccountError as error:
            form.name.errors.append(str(error))
        else:
            flash(_("Ihr Profil ist gespeichert."), "success")
            return redirect(url_for("accounts.profile"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/edit_profile.html", form=form), status


@bp.get("/daten")
@login_required
def download_data():
    """"Meine Daten herunterladen": the account's own data as a JSON attachment."""
    user = current_user._get_current_object()
    data = privacy.personal_data(user)
    log_security_event("personal_data_exported", target=user.email, commit=True)
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n",
        mimetype="application/json")
    response.headers["Content-Disposition"] = \
        'attachment; filename="meine-daten-kommunen-for-future.json"'
    return response


@bp.route("/loeschen", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete the own account after the password; entries stay with the municipality."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(current_user._get_current_object(), form.password.data)
        except services.ThrottledError:
            _throttled()
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            flash(_("Ihr Konto ist gelöscht. Ihre Einträge bleiben bei Ihrer Kommune."),
                  "success")
            return redirect(url_for("home.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/delete_account.html", form=form), status


from app.accounts import invitation_views  # noqa: E402, F401  - /konto/einladung/<token>
