"""cmi5 launches: a one-use fetch URL, a token scoped to one member and item, and the
few xAPI resources an AU needs (statements, the LMS.LaunchData state).

The launcher page (on the package content origin, ``lms/origins.py``) asks for a
launch (:func:`new_launch`) and opens the AU with the launch parameters; the fetch URL
and the xAPI endpoint are on that origin too, so the AU's calls are same-origin. The
AU POSTs to the fetch URL once for its token (a second call is an error, as cmi5
requires) and sends statements with ``Authorization: Basic <token>``.
Only the token's own launch accepts it. Of the statements, those the AU makes about
its own activity in this registration count: ``completed``, ``passed`` (with
``result.score.scaled``) and ``failed``; they are kept on the member's runtime row and
the item completes once the AU's ``moveOn`` rule is met. Other statements are
accepted and not kept (the learning record has the item's own statements).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from lms import origins
from lms.accounts.models import User
from lms.catalog.models import Course, Enrollment, Item
from lms.errors import BadRequest, Conflict, Forbidden, NotFound, TooLarge, Unauthorized
from lms.extensions import db, utcnow
from lms.packages.models import PackageContent
from lms.packages.scorm import content_of_item
from lms.progress.completion import ReportResult
from lms.progress.models import Cmi5Launch, PackageRuntime
from lms.progress.packages import Outcome, apply_outcome, runtime_of
from lms.progress.rows import locked_row
from lms.web import site_url

VERBS = "http://adlnet.gov/expapi/verbs/"
SESSION_EXT = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
LAUNCH_DATA = "LMS.LaunchData"
MAX_STATEMENTS = 50
MAX_STATE_BYTES = 64 * 1024
NO_CONTENT_ORIGIN = ("Packages can't play on this site until its administrator sets "
                     "LMS_PACKAGE_BASE_URL (README, \"SCORM and cmi5 packages\").")


def new_launch(user: User, item: Item, now: datetime | None = None) -> dict[str, Any]:
    """A launch of ``item``'s AU for ``user`` (who may record progress on it: the caller
    checked). Returns the launch parameters the AU is opened with."""
    content = cmi5_content(item)
    previous = db.session.execute(
        select(Cmi5Launch.registration).where(Cmi5Launch.user_id == user.id,
                                               Cmi5Launch.item_id == item.id)
        .order_by(Cmi5Launch.created_at.desc()).limit(1)).scalar()
    if origins.content_origin() is None:
        raise Conflict(NO_CONTENT_ORIGIN)
    launch = Cmi5Launch(id=secrets.token_urlsafe(24), user_id=user.id, item_id=item.id,
                        registration=previous or str(uuid.uuid4()), created_at=now or utcnow())
    db.session.add(launch)
    db.session.flush()
    about = origins.content_url(url_for("cmi5.about", launch_id=launch.id))
    return {"endpoint": about.removesuffix("about"),
            "fetch": origins.content_url(url_for("cmi5.fetch", launch_id=launch.id)),
            "actor": actor_of(user), "registration": launch.registration,
            "activityId": content.activity_iri}


def cmi5_content(item: Item) -> PackageContent:
    content = content_of_item(item) if item.kind == "package" else None
    if content is None or content.standard != "cmi5":
        raise NotFound("This item does not play a cmi5 package.")
    return content


def actor_of(user: User) -> dict[str, Any]:
    return {"objectType": "Agent", "name": user.name,
            "account": {"homePage": current_app.config["BASE_URL"], "name": str(user.id)}}


def fetch_token(launch_id: str, now: datetime | None = None) -> str:
    """The launch's auth token, given once. Raises NotFound and Conflict (used already)."""
    launch = db.session.get(Cmi5Launch, launch_id, with_for_update=True)
    if launch is None:
        raise NotFound("No such launch.")
    if launch.token_hash is not None:
        raise Conflict("This fetch URL was used already; launch the package again.")
    token = secrets.token_urlsafe(32)
    launch.token_hash, launch.fetched_at = _hash(token), now or utcnow()
    db.session.flush()
    return token


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authorised_launch(launch_id: str, authorization: str | None) -> Cmi5Launch:
    """The launch whose token the ``Authorization: Basic <token>`` header carries.

    Raises Unauthorized (no or unknown token) and Forbidden (another launch's token).
    """
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise Unauthorized("Send the launch's token: Authorization: Basic <auth-token>.")
    launch = db.session.execute(select(Cmi5Launch).where(
        Cmi5Launch.token_hash == _hash(token.strip()))).scalar_one_or_none()
    if launch is None:
        raise Unauthorized("The token is not one we gave out.")
    if not hmac.compare_digest(launch.id, launch_id):
        raise Forbidden("This token belongs to another launch.")
    return launch


def launch_data(launch: Cmi5Launch) -> dict[str, Any]:
    """The LMS.LaunchData document of the launch's AU."""
    item = db.session.get(Item, launch.item_id)
    content = cmi5_content(item)
    data: dict[str, Any] = {
        "contextTemplate": {"extensions": {SESSION_EXT: launch.id}},
        "launchMode": "Normal", "launchMethod": "AnyWindow",
        "moveOn": content.move_on or "NotApplicable",
        "returnURL": site_url(url_for("progress.player", slug=item.module.course.slug,
                                      item_id=item.id))}
    if content.mastery_score is not None:
        data["masteryScore"] = content.mastery_score
    return data


def get_state(launch: Cmi5Launch, state_id: str) -> Any:
    if state_id == LAUNCH_DATA:
        return launch_data(launch)
    if state_id not in (launch.state or {}):
        raise NotFound("No such state document.")
    return launch.state[state_id]


def put_state(launch: Cmi5Launch, state_id: str, document: Any, size: int) -> None:
    if state_id == LAUNCH_DATA:
        raise Forbidden("LMS.LaunchData is written by the LMS only.")
    if size > MAX_STATE_BYTES:
        raise TooLarge(f"State documents may be at most {MAX_STATE_BYTES:,} bytes.")
    launch.state = {**(launch.state or {}), state_id[:200]: document}


def record_statements(launch: Cmi5Launch, body: Any, check_target,
                      now: datetime | None = None) -> list[str]:
    """Accept one statement or a list; returns their ids. A statement about this AU and
    registration may move the item's progress (see the module docstring).

    ``check_target(user, item, now)`` raises unless the member may record progress now
    (service's rules). Raises BadRequest for a malformed statement.
    """
    now = now or utcnow()
    statements = body if isinstance(body, list) else [body]
    if not statements or len(statements) > MAX_STATEMENTS:
        raise BadRequest(f"Send from 1 to {MAX_STATEMENTS} statements.")
    item = db.session.get(Item, launch.item_id)
    content = cmi5_content(item)
    ids, counted = [], []
    for statement in statements:
        verb, object_id, registration = _parse(statement)
        ids.append(statement.setdefault("id", str(uuid.uuid4())))
        if object_id == content.activity_iri and registration == launch.registration:
            counted.append((verb, statement))
    if counted or content.move_on == "NotApplicable":
        user = db.session.get(User, launch.user_id)
        checked_item, enrollment, course = check_target(user, item, now)
        # The progress row's lock makes concurrent statements update the facts in turn.
        locked_row(launch.user_id, launch.item_id, now)
        facts = _facts(launch)
        for verb, statement in counted:
            facts = _updated_facts(facts, verb, statement)
        _save_facts(launch, facts, now)
        _apply(user, checked_item, enrollment, course, content, facts, now)
    return ids


def _parse(statement: Any) -> tuple[str, str, str | None]:
    if not isinstance(statement, dict):
        raise BadRequest("Each statement must be a JSON object.")
    verb = statement.get("verb", {}).get("id") if isinstance(statement.get("verb"), dict) else None
    obj = statement.get("object") if isinstance(statement.get("object"), dict) else {}
    if not isinstance(verb, str) or not isinstance(obj.get("id"), str):
        raise BadRequest("A statement needs a verb id and an object id.")
    context = statement.get("context") if isinstance(statement.get("context"), dict) else {}
    registration = context.get("registration")
    return verb, obj["id"], registration if isinstance(registration, str) else None


def _facts(launch: Cmi5Launch) -> dict[str, Any]:
    row = runtime_of(launch.user_id, launch.item_id)
    return dict(row.cmi) if row is not None and isinstance(row.cmi, dict) else {}


def _updated_facts(facts: dict, verb: str, statement: dict) -> dict:
    result = statement.get("result") if isinstance(statement.get("result"), dict) else {}
    score = result.get("score") if isinstance(result.get("score"), dict) else {}
    scaled = score.get("scaled")
    if verb == VERBS + "completed":
        facts["completed"] = True
    elif verb in (VERBS + "passed", VERBS + "failed"):
        facts["passed"] = verb == VERBS + "passed" or facts.get("passed") is True
        if isinstance(scaled, int | float) and not isinstance(scaled, bool):
            facts["scaled"] = max(0.0, min(1.0, float(scaled)))
    return facts


def _save_facts(launch: Cmi5Launch, facts: dict, now: datetime) -> None:
    row = runtime_of(launch.user_id, launch.item_id)
    if row is None:
        row = PackageRuntime(user_id=launch.user_id, item_id=launch.item_id)
        db.session.add(row)
    row.cmi, row.updated_at = facts, now


def move_on_met(rule: str, completed: bool, passed: bool) -> bool:
    return {"Completed": completed, "Passed": passed, "CompletedAndPassed": completed and passed,
            "CompletedOrPassed": completed or passed, "NotApplicable": True}.get(rule, False)


def _apply(user: User, item: Item, enrollment: Enrollment, course: Course,
           content: PackageContent, facts: dict, now: datetime) -> ReportResult:
    completed, passed = bool(facts.get("completed")), facts.get("passed")
    met = move_on_met(content.move_on or "NotApplicable", completed, passed is True)
    return apply_outcome(user, item, enrollment, course,
                         Outcome(completed=met, success=passed, scaled=facts.get("scaled")), now)
