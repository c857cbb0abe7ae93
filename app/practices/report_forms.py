"""The experience report form: only the fields a report's author may set (SECURITY.md 14)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, ValidationError

from app.practices.models import Practice
from app.practices.reports import (
    ADOPTING_OUTCOMES,
    MAX_BODY_CHARS,
    OUTCOME_LABELS,
    OUTCOMES,
    ReportInput,
)

_OUTCOME_MISSING = _l("Bitte wählen Sie, wie es bei Ihnen ausgegangen ist.")


class ReportForm(FlaskForm):
    """Text, outcome and (optionally) the own entry that took the approach up."""

    body = TextAreaField(
        _l("Ihr Erfahrungsbericht"),
        validators=[DataRequired(_l("Bitte schreiben Sie Ihren Erfahrungsbericht.")),
                    Length(max=MAX_BODY_CHARS,
                           message=_l("Bitte fassen Sie sich kürzer: höchstens %(max)d Zeichen."))],
        description=_l("Was haben Sie übernommen, was lief gut, was würden Sie anders machen? "
                       "Höchstens %(max)d Zeichen; Markdown ist möglich (z. B. **fett**, "
                       "Listen mit -).", max=MAX_BODY_CHARS),
        render_kw={"rows": 10, "maxlength": MAX_BODY_CHARS})
    outcome = RadioField(
        _l("Wie ist es bei Ihnen ausgegangen?"),
        choices=[SelectChoice(value, OUTCOME_LABELS[value]) for value in OUTCOMES],
        validate_choice=False,
        validators=[InputRequired(_OUTCOME_MISSING), AnyOf(OUTCOMES, message=_OUTCOME_MISSING)])
    adopted = SelectField(
        _l("Unser Eintrag zu diesem Ansatz (optional)"),
        validate_choice=False,
        description=_l("Wenn Ihre Kommune den Ansatz übernommen hat und ihn selbst als Eintrag "
                       "beschrieben hat: wählen Sie ihn, dann zeigen beide Einträge die "
                       "Übernahme."))
    submit = SubmitField(_l("Bericht speichern"))

    def __init__(self, *args, candidates: list[Practice] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {practice.slug: practice for practice in candidates}
        self.adopted.choices = [SelectChoice("", _("– keiner –"))] + [
            SelectChoice(practice.slug, practice.title) for practice in candidates]

    def validate_adopted(self, field) -> None:
        """Only an entry of the reporter's own municipality, and only after adopting."""
        if not field.data:
            return
        if field.data not in self.candidates:
            raise ValidationError(_("Bitte wählen Sie einen Eintrag Ihrer eigenen Kommune."))
        if self.outcome.data not in ADOPTING_OUTCOMES:
            raise ValidationError(_("Einen eigenen Eintrag können Sie nur angeben, wenn Sie "
                                    "den Ansatz übernommen oder angepasst übernommen haben."))

    def report_input(self) -> ReportInput:
        """The validated values, for the services."""
        return ReportInput(body=self.body.data.replace("\r\n", "\n").strip(),
                           outcome=self.outcome.data,
                           adopted=self.candidates.get(self.adopted.data or ""))
