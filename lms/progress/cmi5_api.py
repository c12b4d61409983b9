"""The small xAPI endpoint of each cmi5 launch, and its one-use fetch URL.

Not under ``/api/v1``: an AU authenticates with its launch's token
(``Authorization: Basic <auth-token>``), never the member's session, so these routes
take no cookies' word and need no CSRF token. Rules are in ``cmi5``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from lms.errors import BadRequest, Conflict
from lms.extensions import csrf, db
from lms.jsonbody import body_bytes, parse_json
from lms.progress import cmi5, service

bp = Blueprint("cmi5", __name__, url_prefix="/cmi5")
csrf.exempt(bp)
XAPI_VERSION = "1.0.3"


@bp.after_request
def version_header(response: Response) -> Response:
    response.headers["X-Experience-API-Version"] = XAPI_VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<launch_id>/fetch")
def fetch(launch_id: str):
    """cmi5's fetch URL: the token once; later calls get cmi5's error document."""
    try:
        token = cmi5.fetch_token(launch_id)
    except Conflict as exc:
        db.session.rollback()
        return jsonify({"error-code": "1", "error-text": exc.detail}), 400
    db.session.commit()
    return {"auth-token": token}


@bp.get("/<launch_id>/xapi/about")
def about(launch_id: str):
    return {"version": [XAPI_VERSION]}


@bp.route("/<launch_id>/xapi/statements", methods=["POST", "PUT"])
def statements(launch_id: str):
    body = parse_json(body_bytes(request))
    if request.method == "PUT":
        statement_id = request.args.get("statementId")
        if not statement_id or not isinstance(body, dict):
            raise BadRequest("PUT one statement with ?statementId=<uuid>.")
        body["id"] = statement_id
    ids = service.cmi5_statements(launch_id, request.headers.get("Authorization"), body)
    db.session.commit()
    if request.method == "PUT":
        return "", 204
    return jsonify(ids)


@bp.route("/<launch_id>/xapi/activities/state", methods=["GET", "PUT", "POST"])
def state(launch_id: str):
    launch = cmi5.authorised_launch(launch_id, request.headers.get("Authorization"))
    state_id = request.args.get("stateId", "")
    if not state_id:
        raise BadRequest("Name the document: ?stateId=...")
    if request.method == "GET":
        return jsonify(cmi5.get_state(launch, state_id))
    data = body_bytes(request)
    cmi5.put_state(launch, state_id, parse_json(data), len(data))
    db.session.commit()
    return "", 204
