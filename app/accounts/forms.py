"""Account forms: only the fields meant for the person filling them in (SECURITY.md 14)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.accounts.passwords import MAX_LENGTH, password_problem


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
                    Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"})
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
