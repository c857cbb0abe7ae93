"""Pictures and documents on entries: checked by content, stored outside static/."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the file routes and the template helpers of the entry page."""
    from app.uploads.queries import attachments_for, human_size
    from app.uploads.views import bp

    app.register_blueprint(bp)
    app.add_template_global(attachments_for)
    app.add_template_filter(human_size, "filesize")
