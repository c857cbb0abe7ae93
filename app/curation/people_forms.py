"""Forms of the people pages: invitations and role changes (only these fields are read)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, Length, ValidationError

from app.accounts.forms import EMAIL_TOO_LONG
from app.accounts.models import EMAIL_MAX, NAME_MAX, ROLE_LABELS, ROLES
from app.extensions import db
from app.municipalities.models import Municipality

ROLE_MESSAGE = _l("Bitte wählen Sie eine der Rollen Mitglied, Vertreter*in oder "
                  "Organisator*in.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def role_options() -> list[tuple[str, str]]:
    return [(role, ROLE_LABELS[role]) for role in ROLES]


def municipality_options() -> list[tuple[str, str]]:
    return [(slug, name) for slug, name in db.session.execute(
        select(Municipality.slug, Municipality.name).order_by(Municipality.name))]


class RoleFields(FlaskForm):
    """Role and municipality (options: role_options, municipality_options); representatives
    need a municipality."""

    role = StringField(_l("Rolle"), filters=[_strip],
                       validators=[DataRequired(ROLE_MESSAGE), AnyOf(ROLES, ROLE_MESSAGE)])
    municipality = StringField(_l("Kommune"), filters=[_strip],
                               description=_l("Für Vertreter*innen nötig: Sie schreiben für "
                                              "diese Kommune."))
    chosen_municipality = None

    def validate_municipality(self, field):
        if field.data:
            self.chosen_municipality = db.session.scalar(
                select(Municipality).where(Municipality.slug == field.data))
            if self.chosen_municipality is None:
                raise ValidationError(_l("Diese Kommune gibt es nicht. Bitte wählen Sie eine "
                                         "aus der Liste."))
        elif self.role.data == "representative":
            raise ValidationError(_l("Vertreter*innen brauchen eine Kommune."))


class InviteForm(RoleFields):
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[DataRequired(_l("Bitte geben Sie die E-Mail-Adresse an.")),
                    Length(max=EMAIL_MAX, message=EMAIL_TOO_LONG),
                    Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel "
                             "name@gemeinde.de."))],
        filters=[_strip])
    name = StringField(
        _l("Name (freiwillig)"),
        validators=[Length(max=NAME_MAX, message=_l("Höchstens %(n)d Zeichen.", n=NAME_MAX))],
        description=_l("Für die Anrede in der E-Mail; die Person kann ihn ändern."),
        filters=[_strip])


class RoleForm(RoleFields):
    """Change the role (and municipality) of an account."""


class ActionForm(FlaskForm):
    """Only the CSRF token: revoke, resend, deactivate."""
