"""Account forms: only the fields meant for the person filling them in (SECURITY.md 14)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from app.accounts.models import CONTACT_ROLE_MAX, EMAIL_MAX, NAME_MAX, PHONE_MAX
from app.accounts.passwords import MAX_LENGTH, password_problem

EMAIL_TOO_LONG = _l("Die E-Mail-Adresse ist zu lang (höchstens %(n)d Zeichen).", n=EMAIL_MAX)


class PolicyCheck:
    """Refuse passwords that break the policy; context words come from the form."""

    def __call__(self, form, field):
        problem = password_problem(field.data or "", *getattr(form, "context_words", ()))
        if problem:
            raise ValidationError(problem)


def _new_password_fields():
    password = PasswordField(
        _l("Neues Passwort"),
        validators=[DataRequired(_l("Bitte geben Sie ein neues Passwort ein.")), PolicyCheck()],
        description=_l("Mindestens 12 Zeichen. Ein Satz aus mehreren Wörtern ist gut zu merken "
                       "und schwer zu erraten."),
        render_kw={"autocomplete": "new-password", "minlength": 12, "maxlength": MAX_LENGTH})
    confirm = PasswordField(
        _l("Neues Passwort wiederholen"),
        validators=[DataRequired(_l("Bitte wiederholen Sie das neue Passwort.")),
                    EqualTo("password", _l("Die beiden Passwörter stimmen nicht überein."))],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH})
    return password, confirm


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse ein.")),
                    Length(max=EMAIL_MAX, message=EMAIL_TOO_LONG)],
        render_kw={"autocomplete": "username", "spellcheck": "false", "maxlength": EMAIL_MAX})
    password = PasswordField(
        _l("Passwort"),
        validators=[DataRequired(_l("Bitte geben Sie Ihr Passwort ein.")),
                    Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Anmelden"))


class SetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()
    submit = SubmitField(_l("Passwort speichern"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Aktuelles Passwort"),
        validators=[DataRequired(_l("Bitte geben Sie Ihr aktuelles Passwort ein.")),
                    Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"})
    password, confirm = _new_password_fields()
    submit = SubmitField(_l("Passwort ändern"))


class LogoutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST."""

    submit = SubmitField(_l("Abmelden"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse ein.")),
                    Length(max=EMAIL_MAX, message=EMAIL_TOO_LONG),
                    Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel "
                             "name@gemeinde.de."))],
        description=_l("Die Adresse, mit der Sie sich anmelden."),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "email", "spellcheck": "false", "maxlength": EMAIL_MAX})
    submit = SubmitField(_l("Link anfordern"))


class ProfileForm(FlaskForm):
    """Only what a person may change about themselves: not e-mail, role or municipality."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Bitte geben Sie Ihren Namen an.")),
                    Length(max=NAME_MAX, message=_l("Höchstens %(n)d Zeichen.", n=NAME_MAX))],
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX})
    contact_role = StringField(
        _l("Funktion"),
        validators=[Length(max=CONTACT_ROLE_MAX,
                           message=_l("Höchstens %(n)d Zeichen.", n=CONTACT_ROLE_MAX))],
        description=_l("Wird als Ansprechperson in neuen Einträgen vorgeschlagen, zum Beispiel "
                       "„Klimaschutzmanagerin“ oder „Erster Bürgermeister“."),
        render_kw={"autocomplete": "organization-title", "maxlength": CONTACT_ROLE_MAX})
    phone = TelField(
        _l("Telefon"),
        validators=[Length(max=PHONE_MAX, message=_l("Höchstens %(n)d Zeichen.", n=PHONE_MAX)),
                    Regexp(r"^[0-9+()/. \-]*$", message=_l(
                        "Bitte nur Ziffern, Leerzeichen und die Zeichen + ( ) / . - verwenden, "
                        "zum Beispiel 09241 723-0."))],
        description=_l("Freiwillig; wird als Telefon der Ansprechperson vorgeschlagen."),
        render_kw={"autocomplete": "tel", "maxlength": PHONE_MAX})
    submit = SubmitField(_l("Profil speichern"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Ihr Passwort"),
        validators=[DataRequired(_l("Bitte bestätigen Sie die Löschung mit Ihrem Passwort.")),
                    Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Konto endgültig löschen"))
