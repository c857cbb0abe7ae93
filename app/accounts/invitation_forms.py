"""The form behind an invitation link: name and password only (role and municipality come
from the invitation, whatever else is posted; SECURITY.md 14)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.accounts.forms import _new_password_fields


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Ihr Name"),
        validators=[DataRequired(_l("Bitte geben Sie Ihren Namen an.")),
                    Length(max=200, message=_l("Höchstens 200 Zeichen."))],
        description=_l("So erscheinen Sie bei Ihren Einträgen und Berichten."),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "name", "maxlength": 200})
    password, confirm = _new_password_fields()
    submit = SubmitField(_l("Speichern und anmelden"))
