"""The package launcher: the page the player frames on the package content origin.

``/pkg/<token>/`` holds the SCORM runtime (scorm-again, ``window.API`` or
``window.API_1484_11``) and frames the package's launch file from the same origin
(``/pkg/<token>/f/...``, lms/packages/views.py), so the package reaches the runtime
synchronously as SCORM requires, while the app's own origin, and the viewer's
session, stay out of its reach. The runtime loads and commits the member's data at
``/pkg/<token>/runtime`` and a cmi5 launcher asks ``/pkg/<token>/cmi5-launch`` for its
launch: the same service functions as the session API (``/api/v1/items/<id>/runtime``
and ``/cmi5-launch``), with the launch token instead of a session. No cookie is
involved, so there is no CSRF to guard against (see lms/origins.py).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, url_for

from lms import origins
from lms.extensions import csrf, db
from lms.progress import service
from lms.progress.api import json_body

bp = Blueprint("package_launcher", __name__, url_prefix="/pkg/<token>")
csrf.exempt(bp)

#: The launcher runs our scripts only, frames and talks to its own origin, and only the
#: main site may frame it.
LAUNCHER_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "frame-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors {main}"
)


@bp.after_request
def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.get("/")
def launcher(token: str):
    launch, settings = service.package_launcher(token)
    content = launch.content
    file_url = url_for("packages.package_file", token=token, path=content.launch_path)
    settings.update(
        launchUrl=f"{file_url}?{content.launch_query}" if content.launch_query else file_url,
        runtimeUrl=url_for("package_launcher.runtime", token=token),
        cmi5LaunchUrl=url_for("package_launcher.cmi5_launch", token=token),
        mainOrigin=origins.main_origin())
    response = current_app.make_response(render_template(
        "progress/launcher.html", title=launch.item.title, settings=settings))
    response.headers["Content-Security-Policy"] = LAUNCHER_CSP.format(main=origins.main_origin())
    return response


@bp.get("/runtime")
def runtime(token: str):
    standard, cmi = service.launch_resume(token)
    return {"standard": standard, "cmi": cmi}


@bp.post("/runtime")
def commit_runtime(token: str):
    result = service.launch_commit(token, json_body())
    db.session.commit()
    return {"result": True, "errorCode": 0, "item_id": result.item_id,
            "completed": result.completed, "course_completed": result.course_completed}


@bp.post("/cmi5-launch")
def cmi5_launch(token: str):
    launch = service.launch_cmi5(token)
    db.session.commit()
    return launch, 201
