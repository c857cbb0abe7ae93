"""The form behind an invitation link: name and password only (role and municipality come
from the invitation, whatever else is posted; SECURITY.md 14)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.accounts.forms import _new_password_fields
from app.accounts.models import NAME_MAX


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Ihr Name"),
        validators=[DataRequired(_l("Bitte geben Sie Ihren Namen an.")),
                    Length(max=NAME_MAX, message=_l("Höchstens %(n)d Zeichen.", n=NAME_MAX))],
        description=_l("So erscheinen Sie bei Ihren Einträgen und Berichten."),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX})
    password, confirm = _new_password_fields()
    submit = SubmitField(_l("Speichern und anmelden"))
