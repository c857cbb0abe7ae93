"""Home page: search field and recently published entries."""

from flask import Blueprint, render_template
from sqlalchemy import select

from app.extensions import db
from app.permissions import visible_practices_filter
from app.practices.models import Practice

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """Start page with the newest published entries."""
    recent = db.session.scalars(
        select(Practice).where(visible_practices_filter())
        .order_by(Practice.published_at.desc(), Practice.title).limit(12)
    ).all()
    return render_template("home/index.html", recent=recent)
