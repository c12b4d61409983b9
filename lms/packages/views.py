"""Serving an unpacked SCORM or cmi5 package's files to the course's learners.

The files come from the store through the app (with Range and ETag like media),
typed by their name, with ``nosniff`` and a policy that lets the package run its
own scripts and talk to this site only. The player frames them in a sandboxed
``<iframe>`` that keeps the same origin, because SCORM content must reach the
runtime in the parent page (``window.parent.API``) synchronously; see README.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from lms.errors import NotFound
from lms.media.serving import serve_stored
from lms.packages import scorm

bp = Blueprint("packages", __name__)

#: The package's own scripts and styles run (authoring tools inline and ``eval`` a lot);
#: nothing loads from or talks to another site, and only this site may frame it.
PACKAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'; sandbox allow-scripts allow-same-origin "
    "allow-forms"
)


@bp.get("/packages/<int:package_id>/<path:path>")
def package_file(package_id: int, path: str):
    user = current_user if current_user.is_authenticated else None
    content = scorm.get_for_learner(user, package_id)
    stored = content.files.get(path)
    if stored is None:
        raise NotFound("This package has no such file.")
    response = serve_stored(stored["key"], path.rsplit("/", 1)[-1], stored["type"])
    # Media never shows HTML inline; a package's pages must render in the player's frame,
    # under the policy below (which also sandboxes a page opened on its own).
    del response.headers["Content-Disposition"]
    response.headers["Content-Security-Policy"] = PACKAGE_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
