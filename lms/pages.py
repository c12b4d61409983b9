"""Site-wide pages that belong to no single domain."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, send_from_directory

from lms.catalog.service import newest_courses

bp = Blueprint("pages", __name__)

#: How many of the newest courses the home page shows.
HOME_COURSES = 6
#: How long browsers keep ``/favicon.ico``: its URL has no fingerprint to change with it.
FAVICON_MAX_AGE = 7 * 24 * 3600


@bp.get("/")
def home():
    return render_template("home.html", newest=newest_courses(HOME_COURSES))


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site icon where browsers and feed readers look for it without a page's link."""
    return send_from_directory(current_app.static_folder or "", "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=FAVICON_MAX_AGE)
