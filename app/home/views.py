"""Home page: search field, entry points, module × lever matrix, newest entries."""

from flask import Blueprint, current_app, render_template, send_from_directory
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.home import presentation, queries
from app.municipalities.models import Municipality
from app.practices.queries import recent_practices
from app.taxonomies.models import Lever, Topic
from app.workshops.models import Module

bp = Blueprint("home", __name__)
bp.app_context_processor(presentation.context)
for _name, _filter in presentation.FILTERS.items():
    bp.add_app_template_filter(_filter, _name)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on their own: the site's icon, not a 404."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


@bp.get("/")
def index():
    """Start page: search, entry points by lever/topic/module, matrix, newest, picks."""
    return render_template(
        "home/index.html",
        levers=db.session.scalars(select(Lever).order_by(Lever.position, Lever.slug)).all(),
        topics=db.session.scalars(select(Topic).order_by(Topic.position, Topic.slug)).all(),
        modules=db.session.scalars(select(Module).order_by(Module.number)).all(),
        **queries.home_counts(),
        recent=recent_practices(6),
        picks=queries.curated_picks(),
        municipalities=db.session.scalars(
            select(Municipality).order_by(Municipality.name)).all(),
        my_municipality=getattr(current_user, "municipality", None),
    )
