"""Forms of the vocabulary and municipality pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.municipalities.models import DISTRICT_MAX
from app.search.synonym_store import MAX_LINE
from app.taxonomies.services import MAX_DESCRIPTION, MAX_NAME, MAX_SLUG


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TermForm(FlaskForm):
    """Name (and, for levers, description) of a lever or topic."""

    name = StringField(_l("Name"), filters=[_strip], validators=[
        DataRequired(_l("Bitte geben Sie einen Namen an.")),
        Length(max=MAX_NAME, message=_l("Höchstens %(n)d Zeichen.", n=MAX_NAME))])
    description = TextAreaField(_l("Beschreibung"), filters=[_strip], validators=[
        Length(max=MAX_DESCRIPTION, message=_l("Höchstens %(n)d Zeichen.", n=MAX_DESCRIPTION))],
        description=_l("Was der Hebel umfasst, zum Beispiel „Eigene Gebäude, Fuhrpark“."))


class NewTermForm(TermForm):
    slug = StringField(_l("Kurzform (freiwillig)"), filters=[_strip], validators=[
        Length(max=MAX_SLUG, message=_l("Höchstens %(n)d Zeichen.", n=MAX_SLUG))],
        description=_l("Steht in Dateien und Adressen und bleibt für immer gleich. Leer "
                       "lassen: wird aus dem Namen gebildet."))


class SynonymGroupForm(FlaskForm):
    gruppe = StringField(_l("Neue Synonymgruppe"), filters=[_strip], validators=[
        DataRequired(_l("Bitte geben Sie mindestens zwei Ausdrücke ein, durch Kommas "
                        "getrennt.")),
        Length(max=MAX_LINE, message=_l("Höchstens %(n)d Zeichen.", n=MAX_LINE))],
        description=_l("Ausdrücke, die dasselbe meinen, durch Kommas getrennt, zum Beispiel "
                       "„Dorfladen, Dorfgeschäft, Nahversorger“. „Wort => Ersatz, Ersatz“ "
                       "sucht nur in eine Richtung."))


class SynonymListForm(FlaskForm):
    synonyme = TextAreaField(_l("Alle Synonymgruppen"), validators=[
        Length(max=500_000, message=_l("Die Liste ist zu lang."))],
        description=_l("Eine Gruppe pro Zeile, Ausdrücke durch Kommas getrennt. Zeilen mit # "
                       "am Anfang sind Überschriften."))


def _population(form, field):
    text = (field.data or "").replace(".", "").replace(" ", "")
    if text and (not (text.isascii() and text.isdigit()) or len(text) > 9):
        raise ValidationError(_l("Bitte eine ganze Zahl ohne Einheit eingeben, zum Beispiel "
                                 "13500."))
    field.number = int(text) if text else None


class MunicipalityFactsForm(FlaskForm):
    population = StringField(_l("Einwohnerzahl"), filters=[_strip], validators=[_population],
                             description=_l("Leer lassen, wenn unbekannt."))
    district = StringField(_l("Landkreis"), filters=[_strip], validators=[
        Length(max=DISTRICT_MAX, message=_l("Höchstens %(n)d Zeichen.", n=DISTRICT_MAX))],
        description=_l("Zum Beispiel „Bayreuth“ oder „Landkreis Rosenheim“; der "
                       "Regierungsbezirk ergibt sich daraus."))


class MergeForm(FlaskForm):
    source = StringField(_l("Diese Kommune auflösen"), validators=[
        DataRequired(_l("Bitte wählen Sie die Kommune, die aufgelöst wird."))])
    target = StringField(_l("… und alles übernehmen in"), validators=[
        DataRequired(_l("Bitte wählen Sie die Kommune, die alles übernimmt."))])
    confirm = BooleanField(_l("Ich habe verstanden, dass die erste Kommune gelöscht wird."),
                           validators=[DataRequired(_l("Bitte bestätigen Sie das "
                                                       "Zusammenführen."))])

    def validate_target(self, field):
        if field.data and field.data == self.source.data:
            raise ValidationError(_l("Bitte wählen Sie zwei verschiedene Kommunen."))
