"""A small seeded world and helpers shared by the route-matrix security tests.

The world has one published course (a reading, a video with ready media, a
file and a quiz with questions), a draft course, an attempt, a certificate, a
signup code, a pending upload, a teach application, a name-change request and
a topic, so every route parameter can be filled with a real id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from lms.extensions import db
from tests.factories import (
    api_headers,
    enrol,
    make_course,
    make_item,
    make_media,
    make_module,
    make_user,
)

ROLES = ("anonymous", "member", "enrolled", "other_instructor", "instructor", "admin")


@dataclass
class World:
    users: dict[str, Any]
    headers: dict[str, dict[str, str]]
    ids: dict[str, Any] = field(default_factory=dict)


def seed(client) -> World:
    """Build the world through factories and the real API (questions, attempt, upload)."""
    users = {role: make_user(role=_factory_role(role)) for role in ROLES if role != "anonymous"}
    headers = {role: api_headers(user) for role, user in users.items()}
    headers["anonymous"] = {}
    course = make_course(instructors=[users["instructor"]], certificate_enabled=True)
    draft = make_course(instructors=[users["instructor"]], status="draft")
    module = make_module(course, title="Module one")
    reading = make_item(module, title="Reading")
    video_media = make_media()
    video = make_item(module, kind="video", title="Video", media=video_media, body="",
                      transcript="What the speaker said.")
    file_item = make_item(module, kind="file", title="Slides", body="",
                          media=make_media(kind="file", content_type="application/pdf",
                                           original_name="slides.pdf", duration_seconds=None))
    quiz = make_item(module, kind="quiz", title="Quiz", body="")
    evaluation = make_item(module, kind="evaluation", title="Evaluation", body="",
                           is_required=False)
    enrol(users["enrolled"], course)
    world = World(users, headers)
    world.ids.update(course=course.id, slug=course.slug, draft=draft.id, draft_slug=draft.slug,
                     module=module.id, reading=reading.id, video=video.id, file=file_item.id,
                     quiz=quiz.id, video_media=video_media.id, evaluation=evaluation.id)
    _seed_quiz(client, world)
    _seed_evaluation(client, world)
    _seed_upload(client, world)
    _seed_rows(world, course)
    _seed_discussion(world, course)
    _seed_session(world, course)
    _seed_packages(world, module)
    return world


def _seed_packages(world: World, module) -> None:
    """An optional SCORM 1.2 item and an optional cmi5 item, their ZIPs unpacked."""
    import io

    from lms.packages.scorm import unpack
    from lms.storage import get_storage, new_key
    from tests.packages import scorm_samples

    for name, data in (("package", scorm_samples.scorm12_zip()),
                       ("cmi5", scorm_samples.cmi5_zip())):
        key = new_key()
        get_storage().save(key, io.BytesIO(data), "application/zip")
        media = make_media(storage_key=key, content_type="application/zip", kind="package",
                           size=len(data), original_name=f"{name}.zip", duration_seconds=None)
        content = unpack(media)
        item = make_item(module, kind="package", title=name, media=media, body="",
                         is_required=False)
        world.ids[name], world.ids[f"{name}_content"] = item.id, content.id


def _seed_session(world: World, course) -> None:
    """A live session that ended an hour ago; the enrolled member registered for it and
    listed a colleague who watched along."""
    from datetime import timedelta

    from lms.extensions import utcnow
    from lms.live.models import GroupViewer, LiveSession, Registration

    now = utcnow()
    session = LiveSession(course_id=course.id, starts_at=now - timedelta(hours=2),
                          ends_at=now - timedelta(hours=1), join_url="https://meet.example.org/j/1",
                          min_minutes=30)
    session.registrations = [Registration(
        user_id=world.users["enrolled"].id, status="registered",
        group_viewers=[GroupViewer(name="Colleague", email="colleague@example.org")])]
    db.session.add(session)
    db.session.commit()
    world.ids["session"] = session.id


def _seed_discussion(world: World, course) -> None:
    """A question by the enrolled member with the instructor's answer (``post``), a
    message the enrolled member received through the directory, and the other
    instructor listed in the directory."""
    from lms.discussions.models import DirectoryMessage, DirectoryProfile
    from lms.discussions.service import add_post, create_thread

    enrolled = world.users["enrolled"]
    thread = create_thread(enrolled, course.id, title="Which schema?", body="Dublin Core?",
                           kind="question")
    answer = add_post(world.users["instructor"], thread.id, "Yes, Dublin Core.")
    message = DirectoryMessage(sender_id=world.users["member"].id, recipient_id=enrolled.id,
                               body="Hello colleague")
    listed = DirectoryProfile(user_id=world.users["other_instructor"].id, is_visible=True,
                              expertise=["Cataloging"], expertise_key="|cataloging|")
    db.session.add_all([message, listed])
    db.session.commit()
    world.ids.update(thread=thread.id, post=answer.id, message=message.id,
                     listed=listed.user_id)


def _factory_role(role: str) -> str:
    return {"other_instructor": "instructor", "instructor": "instructor", "admin": "admin"}.get(
        role, "member")


def _seed_quiz(client, world: World) -> None:
    quiz_id = world.ids["quiz"]
    question = {"kind": "single", "prompt": "Which class holds history?",
                "choices": [{"text": "900", "correct": True}, {"text": "800"}]}
    response = client.post(f"/api/v1/items/{quiz_id}/questions",
                           headers=world.headers["instructor"], json=question)
    assert response.status_code == 201, response.get_json()
    world.ids["question"] = response.get_json()["id"]
    response = client.post(f"/api/v1/items/{quiz_id}/attempts", headers=world.headers["enrolled"])
    assert response.status_code == 201, response.get_json()
    world.ids["attempt"] = response.get_json()["id"]


def _seed_evaluation(client, world: World) -> None:
    response = client.post(f"/api/v1/items/{world.ids['evaluation']}/evaluation/questions",
                           headers=world.headers["instructor"],
                           json={"kind": "likert", "prompt": "The course met its outcomes.",
                                 "required": False})
    assert response.status_code == 201, response.get_json()
    world.ids["evaluation_question"] = response.get_json()["id"]


def _seed_upload(client, world: World) -> None:
    response = client.post("/api/v1/uploads", headers=world.headers["instructor"],
                           json={"filename": "talk.mp4", "content_type": "video/mp4",
                                 "size": 1000})
    assert response.status_code == 201, response.get_json()
    world.ids["upload"] = response.get_json()["media_id"]


def _seed_rows(world: World, course) -> None:
    from lms.accounts.models import ApiToken, TeachApplication
    from lms.catalog.models import SignupCode, Topic
    from lms.jobs.models import Job

    member = world.users["member"]
    application = TeachApplication(user=member, expertise="Cataloguing", proposed_topic="RDA")
    topic = Topic(slug="collections", name="Collections")
    code = SignupCode(course_id=course.id, code="SIGNUP-CODE-1")
    job = Job(name="mail.send", status="failed", attempts=10, error="mail server down",
              arguments={"to": member.email, "subject": "Hello", "body": "Hello"})
    db.session.add_all([application, topic, code, job])
    db.session.commit()
    token = db.session.execute(select(ApiToken).where(
        ApiToken.user_id == world.users["enrolled"].id)).scalars().first()
    world.ids.update(application=application.id, topic=topic.id, signup_code=code.code,
                     token=token.id, job=job.id)
    _seed_certificate(world, course)
    _seed_credit(world)
    _seed_live_session(world)


def _seed_live_session(world: World) -> None:
    """A session in two days (its join window closed) of a webinar of the instructor's,
    with the enrolled member registered. Its own course: registering enrols, and members
    who register during the matrix must not become learners of the main course."""
    try:
        from lms.live.models import LiveSession, Registration
    except ImportError:  # pragma: no cover - live webinars still being built
        return
    from datetime import UTC, datetime, timedelta

    course = make_course(instructors=[world.users["instructor"]], format="webinar")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    session = LiveSession(course_id=course.id, starts_at=starts,
                          ends_at=starts + timedelta(hours=1), capacity=20,
                          join_url="https://meet.example.org/j/world", min_minutes=45,
                          registered_count=1)
    db.session.add(session)
    db.session.flush()
    db.session.add(Registration(session_id=session.id, user_id=world.users["enrolled"].id,
                                status="registered"))
    db.session.commit()
    world.ids["session"] = session.id


def _seed_credit(world: World) -> None:
    """A credit type and a pending self-reported credit of the enrolled member."""
    try:
        from lms.ledger.models import Credit, CreditType
    except ImportError:  # pragma: no cover - the ledger still being built
        return
    from datetime import date
    from decimal import Decimal

    credit_type = CreditType(slug="state-hours", name="State hours", unit="hours")
    credit = Credit(user_id=world.users["enrolled"].id, source="external", title="Conference",
                    provider="State library association", credit_type=credit_type,
                    amount=Decimal("2"), earned_on=date(2026, 1, 3), status="pending",
                    review_note="")
    db.session.add_all([credit_type, credit])
    db.session.commit()
    world.ids.update(credit=credit.id, credit_type=credit_type.id)


def _seed_certificate(world: World, course) -> None:
    """A certificate and a pending name request for the enrolled member (if that domain exists)."""
    try:
        from lms.certificates.models import Certificate, NameChangeRequest
    except ImportError:  # pragma: no cover - certificates still being built
        return
    from datetime import date
    from decimal import Decimal

    member = world.users["enrolled"]
    certificate = Certificate(code="K7Q4-M2XD-9F3A-P8TR-5WVE", user_id=member.id,
                              course_id=course.id, completed_on=date(2026, 1, 5),
                              name=member.certificate_name, course_title=course.title,
                              ce_hours=Decimal("1.5"))
    db.session.add(certificate)
    db.session.flush()
    request = NameChangeRequest(certificate_id=certificate.id, requested_by_id=member.id,
                                current_name=member.certificate_name, requested_name="New Name")
    db.session.add(request)
    db.session.commit()
    world.ids.update(certificate=certificate.code, name_request=request.id)


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, as sorted JSON strings (the world is small)."""
    db.session.remove()
    rows: dict[str, list[str]] = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            result = conn.execute(table.select())
            rows[table.name] = sorted(
                json.dumps(dict(row._mapping), default=str, sort_keys=True) for row in result)
    return rows


def digest(rows: dict[str, list[str]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, Any]:
    """``{table: (rows only before, rows only after)}`` for tables that differ."""
    changes = {}
    for name in before:
        if before[name] != after[name]:
            old, new = set(before[name]), set(after[name])
            changes[name] = (sorted(old - new), sorted(new - old))
    return changes
