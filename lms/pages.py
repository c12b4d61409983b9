"""Site-wide pages that belong to no single domain."""

from __future__ import annotations

from flask import Blueprint, render_template

from lms.catalog.service import newest_courses

bp = Blueprint("pages", __name__)

#: How many of the newest courses the home page shows.
HOME_COURSES = 6


@bp.get("/")
def home():
    return render_template("home.html", newest=newest_courses(HOME_COURSES))
