"""Forms for an entry's pictures and documents (CSRF on each)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import AnyOf, Length

from app.uploads.models import ALT_TEXT_MAX, CAPTION_MAX


class UploadForm(FlaskForm):
    """One file with its description; the alt text is required once it turns out an image."""

    file = FileField(
        _l("Datei"),
        validators=[FileRequired(_l("Bitte wählen Sie eine Datei aus."))],
        render_kw={"accept": ".jpg,.jpeg,.png,.webp,.pdf,image/jpeg,image/png,image/webp,"
                             "application/pdf"})
    alt_text = StringField(
        _l("Bildbeschreibung (Alternativtext)"),
        validators=[Length(max=ALT_TEXT_MAX, message=_l(
            "Die Bildbeschreibung darf höchstens %(max)d Zeichen lang sein."))],
        description=_l("Pflicht bei Fotos: Was ist auf dem Bild zu sehen? Zum Beispiel "
                       "„Dorfladen mit Solardach, davor Kundinnen mit Einkaufskörben“. "
                       "Wird vorgelesen, wenn jemand das Bild nicht sehen kann."),
        render_kw={"maxlength": ALT_TEXT_MAX})
    caption = StringField(
        _l("Bildunterschrift oder Titel des Dokuments (freiwillig)"),
        validators=[Length(max=CAPTION_MAX, message=_l(
            "Die Bildunterschrift darf höchstens %(max)d Zeichen lang sein."))],
        render_kw={"maxlength": CAPTION_MAX})
    submit = SubmitField(_l("Hochladen"))


class DeleteForm(FlaskForm):
    """Deleting one attachment: a button with its CSRF token."""

    submit = SubmitField(_l("Löschen"))


class MoveForm(FlaskForm):
    """Moving one attachment up or down; the pressed button carries the direction."""

    richtung = StringField(validators=[AnyOf(("hoch", "runter"))])
