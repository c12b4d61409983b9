"""The OpenAPI document against the running app, through schemathesis.

Every operation of ``/api/v1/openapi.json`` is called with requests generated
from the document (its examples, the boundaries and violations of every declared
constraint, and random valid data) and every response goes through all of
schemathesis' conformance checks: no server error, documented status code,
content type, headers and body schema, invalid data refused, valid data not
refused, a missing ``Authorization`` header answered with 401, undocumented
methods answered with 405. A client generated from the document can trust it.

The world is real: a seeded course with every kind of item, an attempt, a
certificate and an upload, so path ids resolve, and each operation is called
with the token of the member who may use it. Generation is derandomised and
bounded, so a run is reproducible and takes a minute or two. A second test
follows the document's links (create, use, delete) for the stateful checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from flask.testing import FlaskClient as Client
from hypothesis import HealthCheck, settings

from lms.extensions import db, limiter
from tests.factories import make_item, make_module, make_user
from tests.security_world import World, seed

#: Random requests per operation, besides the examples and the boundary cases (coverage).
MAX_EXAMPLES = 10


@dataclass
class Caller:
    """Which role calls an operation, and which seeded objects its path names."""

    role: str
    path: dict[str, Any]


def callers(world: World) -> dict[tuple[str, str], Caller]:
    """(method, path) → the caller and path ids; unlisted operations: the admin, the course."""
    ids = world.ids
    learner = {"course_id": ids["course"], "item_id": ids["reading"]}
    quiz = {"item_id": ids["quiz"]}
    evaluation = {"item_id": ids["evaluation"]}
    streamed = {"media_id": ids["streamed_media"], "variant": "240p", "segment": "seg_0000.ts"}
    return {
        ("PUT", "/members/{member_id}/roles"): Caller("admin", {"member_id": ids["spare_member"]}),
        ("DELETE", "/tokens/{token_id}"): Caller("enrolled", {"token_id": ids["spare_token"]}),
        ("GET", "/me"): Caller("enrolled", {}),
        ("PATCH", "/me"): Caller("enrolled", {}),
        ("GET", "/me/certificates"): Caller("enrolled", {}),
        ("GET", "/me/transcript.pdf"): Caller("enrolled", {}),
        ("GET", "/me/transcript.csv"): Caller("enrolled", {}),
        ("GET", "/me/statements"): Caller("enrolled", {}),
        ("POST", "/courses/{course_id}/enrollment"): Caller("member", learner),
        ("GET", "/courses/{course_id}/progress"): Caller("enrolled", learner),
        ("GET", "/items/{item_id}"): Caller("enrolled", learner),
        ("GET", "/items/{item_id}/transcript.txt"): Caller("enrolled", {"item_id": ids["video"]}),
        ("POST", "/items/{item_id}/progress"): Caller("enrolled", {"item_id": ids["video"]}),
        ("POST", "/items/{item_id}/completion"): Caller("admin", learner),
        ("GET", "/items/{item_id}/quiz"): Caller("enrolled", quiz),
        ("GET", "/items/{item_id}/attempts"): Caller("enrolled", quiz),
        ("POST", "/items/{item_id}/attempts"): Caller("enrolled", quiz),
        ("GET", "/attempts/{attempt_id}"): Caller("enrolled", {"attempt_id": ids["attempt"]}),
        ("PUT", "/attempts/{attempt_id}/answers"): Caller(
            "enrolled", {"attempt_id": ids["attempt"]}),
        ("POST", "/attempts/{attempt_id}/answers"): Caller(
            "enrolled", {"attempt_id": ids["attempt"]}),
        ("POST", "/attempts/{attempt_id}/submit"): Caller(
            "enrolled", {"attempt_id": ids["attempt"]}),
        ("PATCH", "/items/{item_id}"): Caller("instructor", learner),
        ("DELETE", "/items/{item_id}"): Caller("instructor", {"item_id": ids["spare_item"]}),
        ("DELETE", "/modules/{module_id}"): Caller(
            "instructor", {"module_id": ids["spare_module"]}),
        ("DELETE", "/courses/{course_id}/instructors/{member_id}"): Caller(
            "instructor", {"course_id": ids["course"], "member_id": ids["co_instructor"]}),
        ("GET", "/items/{item_id}/questions"): Caller("instructor", quiz),
        ("POST", "/items/{item_id}/questions"): Caller("instructor", quiz),
        ("GET", "/items/{item_id}/quiz/gift"): Caller("instructor", quiz),
        ("POST", "/items/{item_id}/quiz/gift"): Caller("instructor", quiz),
        ("GET", "/items/{item_id}/quiz/analysis"): Caller("instructor", quiz),
        ("PATCH", "/items/{item_id}/quiz"): Caller("instructor", quiz),
        ("DELETE", "/questions/{question_id}"): Caller(
            "instructor", {"question_id": ids["spare_question"]}),
        ("POST", "/media"): Caller("instructor", {}),
        ("POST", "/uploads"): Caller("instructor", {}),
        ("GET", "/uploads/{media_id}"): Caller("instructor", {"media_id": ids["upload"]}),
        ("DELETE", "/uploads/{media_id}"): Caller("instructor", {"media_id": ids["spare_upload"]}),
        ("POST", "/uploads/{media_id}/parts/{number}"): Caller(
            "instructor", {"media_id": ids["upload"], "number": 1}),
        ("PUT", "/uploads/{media_id}/parts/{number}/data"): Caller(
            "instructor", {"media_id": ids["upload"], "number": 1}),
        ("POST", "/uploads/{media_id}/complete"): Caller("instructor", {"media_id": ids["upload"]}),
        ("GET", "/items/{item_id}/evaluation"): Caller("enrolled", evaluation),
        ("POST", "/items/{item_id}/evaluation"): Caller("enrolled", evaluation),
        ("POST", "/items/{item_id}/evaluation/questions"): Caller("instructor", evaluation),
        ("DELETE", "/evaluation-questions/{question_id}"): Caller(
            "instructor", {"question_id": ids["spare_evaluation_question"]}),
        ("POST", "/courses/{course_id}/retake"): Caller("enrolled", {"course_id": ids["course"]}),
        ("PATCH", "/posts/{post_id}"): Caller("instructor", {"post_id": ids["post"]}),
        ("POST", "/posts/{post_id}/accept"): Caller("instructor", {"post_id": ids["post"]}),
        ("POST", "/directory/{member_id}/messages"): Caller(
            "enrolled", {"member_id": ids["listed"]}),
        ("GET", "/items/{item_id}/runtime"): Caller("enrolled", {"item_id": ids["package"]}),
        ("POST", "/items/{item_id}/runtime"): Caller("enrolled", {"item_id": ids["package"]}),
        ("POST", "/items/{item_id}/cmi5-launch"): Caller("enrolled", {"item_id": ids["cmi5"]}),
        ("GET", "/me/credits"): Caller("enrolled", {}),
        ("POST", "/me/credits"): Caller("enrolled", {}),
        ("POST", "/me/credit-evidence"): Caller("enrolled", {}),
        ("PUT", "/me/cycle"): Caller("enrolled", {}),
        ("DELETE", "/sessions/{session_id}/registration"): Caller(
            "enrolled", {"session_id": ids["session"]}),
        ("GET", "/me/sessions"): Caller("enrolled", {}),
        ("POST", "/sessions/{session_id}/registration"): Caller(
            "enrolled", {"session_id": ids["open_session"]}),
        ("POST", "/sessions/{session_id}/group-viewers/confirm"): Caller(
            "enrolled", {"session_id": ids["session"]}),
        ("GET", "/sessions/{session_id}/join"): Caller(
            "enrolled", {"session_id": ids["open_session"]}),
        **{("GET", path): Caller("admin", streamed) for path in (
            "/media/{media_id}/hls.m3u8", "/media/{media_id}/hls/{variant}/index.m3u8",
            "/media/{media_id}/hls/{variant}/{segment}", "/media/{media_id}/audio.m4a",
            "/media/{media_id}/poster.jpg")},
    }


def default_path(world: World) -> dict[str, Any]:
    """Path ids of operations :func:`callers` does not list."""
    ids = world.ids
    return {"course_id": ids["course"], "module_id": ids["module"], "item_id": ids["reading"],
            "question_id": ids["question"], "member_id": ids["spare_member"],
            "media_id": ids["captions_media"], "code": ids["certificate"], "job_id": ids["job"],
            "credit_id": ids["credit"], "session_id": ids["session"], "thread_id": ids["thread"],
            "post_id": ids["post"]}


def seed_world(client) -> World:
    """The route matrix's world, plus objects an operation may delete or change for good."""
    from lms.accounts.tokens import issue_api_token
    from lms.catalog.models import Course, CourseInstructor

    world = seed(client)
    ids = world.ids
    spare = make_user()
    co_instructor = make_user(role="instructor")
    course = db.session.get(Course, ids["course"])
    course.instructor_links.append(CourseInstructor(user=co_instructor))
    spare_module = make_module(course, title="Spare module")
    spare_item = make_item(spare_module, title="Spare reading")
    _, token = issue_api_token(world.users["enrolled"], "spare")
    db.session.commit()
    ids.update(spare_member=spare.id, co_instructor=co_instructor.id, spare_module=spare_module.id,
               spare_item=spare_item.id, spare_token=token.id)
    instructor = world.headers["instructor"]
    question = client.post(f"/api/v1/items/{ids['quiz']}/questions", headers=instructor,
                           json={"kind": "true_false", "prompt": "Spare?", "answer": True})
    assert question.status_code == 201, question.get_json()
    upload = client.post("/api/v1/uploads", headers=instructor,
                         json={"filename": "spare.mp4", "content_type": "video/mp4", "size": 10})
    assert upload.status_code == 201, upload.get_json()
    captions = client.post("/api/v1/media", headers=instructor, data={"file": (
        _vtt(), "captions.vtt", "text/vtt")}, content_type="multipart/form-data")
    assert captions.status_code == 201, captions.get_json()
    ids.update(spare_question=question.get_json()["id"], spare_upload=upload.get_json()["media_id"],
               captions_media=captions.get_json()["id"])
    _seed_retake_and_evaluation(client, world)
    _seed_open_session(world)
    ids["streamed_media"] = _streamed_media()
    return world


def _seed_open_session(world: World) -> None:
    """A session whose join window is open, the enrolled member registered: join redirects."""
    from datetime import UTC, datetime, timedelta

    from lms.live.models import LiveSession, Registration

    seeded = db.session.get(LiveSession, world.ids["session"])
    starts = datetime.now(UTC) + timedelta(minutes=10)
    session = LiveSession(course_id=seeded.course_id, starts_at=starts,
                          ends_at=starts + timedelta(hours=1), join_url="https://meet.example.org/j/2",
                          min_minutes=30, registered_count=1)
    db.session.add(session)
    db.session.flush()
    db.session.add(Registration(session_id=session.id, user_id=world.users["enrolled"].id,
                                status="registered"))
    db.session.commit()
    world.ids["open_session"] = session.id


def _streamed_media() -> int:
    """A video with one rendition of each kind, its files in the store."""
    import io

    from lms.media.models import MediaRendition
    from lms.storage import get_storage, new_key
    from tests.factories import make_media

    media = make_media(storage_key=new_key(), renditions_status="ready")
    prefix = media.rendition_prefix
    files = {"240p/seg_0000.ts": b"\x47" * 188, "audio.m4a": b"\0\0\0\x18ftypM4A ",
             "poster.jpg": b"\xff\xd8\xff\xe0"}
    for name, data in files.items():
        get_storage().save(f"{prefix}/{name}", io.BytesIO(data), "application/octet-stream")
    db.session.add_all([
        MediaRendition(media_id=media.id, kind="hls", name="240p", height=240, width=426,
                       bitrate=214_000, codecs="avc1.4d401f,mp4a.40.2", size=188,
                       storage_key=f"{prefix}/240p/index.m3u8",
                       playlist="#EXTM3U\n#EXTINF:6.0,\nseg_0000.ts\n#EXT-X-ENDLIST\n"),
        MediaRendition(media_id=media.id, kind="m4a", name="audio.m4a",
                       storage_key=f"{prefix}/audio.m4a", size=16),
        MediaRendition(media_id=media.id, kind="poster", name="poster.jpg",
                       storage_key=f"{prefix}/poster.jpg", size=4)])
    db.session.commit()
    return media.id


def _seed_retake_and_evaluation(client, world: World) -> None:
    """The enrolled member's certificate has expired (a retake is allowed), and the
    evaluation has an optional question (an empty answer set is a valid submission) and
    a spare one to delete."""
    from datetime import timedelta

    from lms.certificates.models import Certificate
    from lms.extensions import utcnow

    ids, instructor = world.ids, world.headers["instructor"]
    certificate = db.session.execute(db.select(Certificate).where(
        Certificate.code == ids["certificate"])).scalar_one()
    certificate.expires_on = utcnow().date() - timedelta(days=1)
    db.session.commit()
    for name, question in (("optional_evaluation_question", {"required": False}),
                           ("spare_evaluation_question", {"required": False})):
        response = client.post(f"/api/v1/items/{ids['evaluation']}/evaluation/questions",
                               headers=instructor,
                               json={"kind": "text", "prompt": "Comments?", **question})
        assert response.status_code == 201, response.get_json()
        ids[name] = response.get_json()["id"]


def _vtt():
    from io import BytesIO

    return BytesIO(b"WEBVTT\n\n00:00.000 --> 00:02.000\nWelcome.\n")


def role_auth(world: World, only: str | None = None) -> type:
    """An auth provider giving each operation the Bearer token of the role that may call it
    (or always that of ``only``)."""
    table = callers(world)

    class RoleAuth:
        def get(self, case, context) -> str:
            caller = table.get((case.method.upper(), case.path))
            role = only or (caller.role if caller else "admin")
            return world.headers[role]["Authorization"]

        def set(self, case, data: str, context) -> None:
            case.headers = {**(case.headers or {}), "Authorization": data}

    return RoleAuth


#: Refusals of schema-valid requests that JSON Schema cannot foresee, by operation: rules
#: across fields, references to other rows, secrets and file contents. Each is in the
#: operation's description and documented responses; everything else must be accepted.
SEMANTIC_REFUSALS: dict[str, tuple[int, ...]] = {
    "POST /members": (422,),  # password strength, email deliverability rules
    "PATCH /me": (422,),  # a new password needs the right current_password
    "GET /courses": (422,),  # ce_max below ce_min
    "POST /courses": (422,),  # slug already taken
    "PATCH /courses/{course_id}": (422,),  # slug already taken
    "POST /courses/{course_id}/instructors": (422,),  # member_id names no member
    "POST /courses/{course_id}/enrollment": (422,),  # a code that does not exist
    "PATCH /modules/{module_id}": (422,),  # prerequisite_id names no module of the course
    "POST /courses/{course_id}/modules": (422,),  # prerequisite_id names no module of the course
    "POST /modules/{module_id}/items": (422,),  # fields that do not fit the kind; media ids
    "PATCH /items/{item_id}": (422,),  # the kind cannot change; fields that do not fit it
    "POST /items/{item_id}/progress": (422,),  # a report for another kind; start after end
    "POST /items/{item_id}/questions": (422,),  # what each question kind needs
    "PATCH /questions/{question_id}": (422,),  # what each question kind needs
    "POST /items/{item_id}/quiz/gift": (422,),  # GIFT syntax
    "PUT /attempts/{attempt_id}/answers": (422,),  # question ids of the attempt
    "POST /attempts/{attempt_id}/answers": (422,),  # question ids of the attempt
    "POST /attempts/{attempt_id}/submit": (422,),  # question ids of the attempt
    "POST /items/{item_id}/evaluation": (422,),  # question ids of the evaluation
    "POST /courses/{course_id}/threads": (422,),  # item_id names no item of the course
    "POST /media": (400, 413, 415),  # file contents
    "POST /uploads": (413, 415, 422),  # type by extension; size limits by type; file name
    "POST /uploads/{media_id}/complete": (400,),  # the parts stored
    "DELETE /uploads/{media_id}": (400,),  # the upload completed meanwhile
    "PUT /uploads/{media_id}/parts/{number}/data": (400,),  # part count of the upload
    "POST /uploads/{media_id}/parts/{number}": (400,),  # part count of the upload
    "GET /media/{media_id}/content": (416,),  # a Range past the end of the file
    "GET /me/transcript.pdf": (400,),  # from after to
    "GET /me/transcript.csv": (400,),  # from after to
    "GET /reports/completions": (422,),  # from after to
    "GET /me/credits": (400,),  # from after to
    "GET /members/{member_id}/credits": (400,),  # from after to; updated_since not a timestamp
    "POST /me/credits": (422,),  # amounts, dates in the future, credit types, evidence ids
    "POST /me/credit-evidence": (400, 413, 415),  # file contents
    "PUT /me/cycle": (422,),  # amounts, credit types, an end before the start
    "POST /courses/{course_id}/sessions": (422,),  # end after start, in the future; minutes
    "GET /sessions": (400,),  # from after to
    "POST /sessions/{session_id}/registration": (422,),  # co-viewers' email addresses
    "POST /sessions/{session_id}/attendance": (400, 413),  # file contents and size
    "POST /sessions/{session_id}/attendance/matches": (422,),  # rows and registrants
    "POST /sessions/{session_id}/group-viewers/confirm": (422,),  # the co-viewers listed
    "POST /lti/platforms": (409, 422),  # registered already; http:// only on this machine
}
#: Strings at least this long whose values must match two patterns make the coverage phase
#: (boundary cases) take minutes: each character is drawn for one pattern and the whole string
#: filtered by the other. Such operations keep their random and example phases; long and
#: hostile values of every property are in test_openapi_inputs.py.
SLOW_BOUNDARY_LENGTH = 10_000


def slow_coverage_operations(document: dict[str, Any]) -> set[str]:
    """``"METHOD /path"`` of operations with a long, twice-patterned string in their body."""
    slow = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            if any(_twice_patterned_and_long(prop)
                   for prop in schema.get("properties", {}).values()):
                slow.add(f"{method.upper()} {path}")
    return slow


def _twice_patterned_and_long(schema: dict[str, Any]) -> bool:
    patterns = ("pattern" in schema) + sum("pattern" in part for part in schema.get("allOf", []))
    return patterns >= 2 and schema.get("maxLength", 0) >= SLOW_BOUNDARY_LENGTH


ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]


def config_for(world: World, document: dict[str, Any]) -> schemathesis.Config:
    table = callers(world)
    slow = slow_coverage_operations(document)
    pinned = {f"{method} {path}": caller.path for (method, path), caller in table.items()
              if caller.path}
    names = set(pinned) | set(SEMANTIC_REFUSALS) | slow
    operations = [{"include-name": name, **_pinned(pinned.get(name)),
                   **_refusals(SEMANTIC_REFUSALS.get(name)), **_phases(name in slow)}
                  for name in sorted(names)]
    return schemathesis.Config.from_dict({
        "generation": {"deterministic": True, "max-examples": MAX_EXAMPLES, "no-shrink": True,
                       "allow-x00": False},
        "parameters": {f"path.{name}": value for name, value in default_path(world).items()},
        "operations": operations,
        # Literals read from the loaded Python modules depend on which tests ran before in
        # this process (pytest-xdist), which made generation differ between runs.
        "analysis": {"constants": {"enabled": False}},
    })


def _pinned(path: dict[str, Any] | None) -> dict[str, Any]:
    return {"parameters": {f"path.{name}": value for name, value in path.items()}} if path else {}


def _phases(slow: bool) -> dict[str, Any]:
    return {"phases": {"coverage": {"enabled": False}}} if slow else {}


def _refusals(statuses: tuple[int, ...] | None) -> dict[str, Any]:
    if not statuses:
        return {}
    expected = ACCEPTED + [str(status) for status in statuses]
    return {"checks": {"positive_data_acceptance": {"expected-statuses": expected}}}


def documented_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation the API modules describe (read without an app)."""
    import importlib
    import pkgutil

    import lms

    found = []
    for info in pkgutil.walk_packages(lms.__path__, "lms."):
        if info.name.rsplit(".", 1)[-1] in ("api", "openapi") or info.name.endswith("_api"):
            module = importlib.import_module(info.name)
            for path, operations in getattr(module, "OPENAPI", {}).items():
                found += [(method.upper(), path) for method in operations]
    # schemathesis leaves out the operation that serves the document itself
    return sorted({op for op in found if op[1] != "/openapi.json"},
                  key=lambda op: (op[1], op[0]))


def conformance_test(schema, method: str, path: str):
    """The Hypothesis test schemathesis builds for one operation (all its phases).

    What ``schema.parametrize()`` does for each operation, called directly: its lazy
    (fixture) form runs every operation in one test against one world, and does not
    run under pytest 9.
    """
    from schemathesis.generation.feedback import FeedbackSources
    from schemathesis.pytest._test_builder import build_operation_test

    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) == (method, path):
            return build_operation_test(
                config=schema.config, operation=operation, test_func=call_and_validate,
                given_kwargs={}, feedback=FeedbackSources(), explicit_settings=SETTINGS)
    raise AssertionError(f"{method} {path} is not in the document")


class ClosingClient(Client):
    """Reads each response whole and closes it (a file served by the app is then closed)."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        return response


#: Operations no generated request can complete, and why.
NEVER_SUCCEEDS = {
    "POST /tokens": "generated credentials match no account",
    "POST /uploads/{media_id}/complete": "it needs the parts stored first",
    "POST /me/credit-evidence": "generated bytes are no PDF or image",
    "GET /sessions/{session_id}/join": "its success is a redirect (302) to the meeting",
    "POST /sessions/{session_id}/attendance": "generated bytes are no participant report",
    "POST /sessions/{session_id}/attendance/matches": "it needs an unmatched row of a report",
    "POST /sessions/{session_id}/group-viewers/confirm": "generated emails name no co-viewer",
    "POST /media/{media_id}/renditions/retry": "renditions are off in the test settings "
                                               "(tests/media/test_renditions.py retries)",
}

#: (method, status) of each answer in the running test.
ANSWERS: list[tuple[str, int]] = []


def call_and_validate(case) -> None:
    response = case.call_and_validate(session=ClosingClient(case.operation.app))
    ANSWERS.append((response.request.method, response.status_code))
    if response.status_code == 429:
        reset_limits(case.operation.app)  # the 429 conformed; let the next requests through


def reset_limits(app) -> None:
    with app.app_context():  # each app has its own limits
        limiter.reset()


#: The document's truth does not depend on the database: CI runs this on SQLite only.
pytestmark = pytest.mark.conformance

SETTINGS = settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize(("method", "path"), documented_operations(),
                         ids=[f"{m} {p}" for m, p in documented_operations()])
def test_the_app_answers_as_its_openapi_document_says(app, client, method, path):
    with app.app_context():
        world = seed_world(client)
    document = client.get("/api/v1/openapi.json").get_json()
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app,
                                            config=config_for(world, document))
    loaded.auth(refresh_interval=None)(role_auth(world))
    ANSWERS.clear()
    conformance_test(loaded, method, path)()
    if f"{method} {path}" not in NEVER_SUCCEEDS:
        # the seeded world and the tokens are realistic enough for the operation to work
        assert any(sent == method and status < 300 for sent, status in ANSWERS), repr(ANSWERS)


def test_workflows_along_the_documented_links_conform(app, client):
    """Create, use and delete objects as the document's links chain them (stateful checks:
    a deleted object is gone, a created one can be fetched)."""
    with app.app_context():
        world = seed_world(client)
    document = client.get("/api/v1/openapi.json").get_json()
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app,
                                            config=config_for(world, document))
    # one client throughout, so what it created is what it may see
    loaded.auth(refresh_interval=None)(role_auth(world, only="admin"))

    class Workflow(loaded.as_state_machine()):
        def call(self, case, **kwargs):
            return case.call(session=ClosingClient(case.operation.app), **kwargs)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            super().validate_response(response, case, additional_checks, **kwargs)
            if response.status_code == 429:
                reset_limits(case.operation.app)

    Workflow.run(settings=settings(SETTINGS, max_examples=15, stateful_step_count=6))
