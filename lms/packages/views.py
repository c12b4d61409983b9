"""Serving an unpacked SCORM or cmi5 package's files, on the package content origin only.

``/pkg/<token>/f/<path>``: the launch token (``launches``) names the member; the files
come from the store through the app (with Range and ETag like media), typed by their
name, with ``nosniff`` and a policy that lets the package run its own scripts and
talk to its own origin only. They are framed by the launcher page of the same origin
(``progress.launcher``), which holds the SCORM runtime the package reaches as
``window.parent.API``; the main site frames the launcher. No page of the app's own
origin can be reached from them (lms/origins.py, README "SCORM and cmi5 packages").
"""

from __future__ import annotations

from flask import Blueprint, Response

from lms import origins
from lms.errors import NotFound
from lms.media.serving import serve_stored
from lms.packages import launches

bp = Blueprint("packages", __name__)

#: The package's own scripts and styles run (authoring tools inline and ``eval`` a lot);
#: nothing loads from or talks to another origin, and only the content origin's launcher,
#: inside the main site's player, may frame it.
PACKAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self' {main}; sandbox allow-scripts "
    "allow-same-origin allow-forms"
)


@bp.get("/pkg/<token>/f/<path:path>")
def package_file(token: str, path: str) -> Response:
    content = launches.package_for(token)
    stored = content.files.get(path)
    if stored is None:
        raise NotFound("This package has no such file.")
    response = serve_stored(stored["key"], path.rsplit("/", 1)[-1], stored["type"])
    # Media never shows HTML inline; a package's pages render in the launcher's frame,
    # under the policy below (which also sandboxes a page opened on its own).
    del response.headers["Content-Disposition"]
    response.headers["Content-Security-Policy"] = PACKAGE_CSP.format(main=origins.main_origin())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
