"""A session item completes by attendance, or by watching the session's recording when
the course offers it; the course's other requirements (an evaluation) still hold."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.catalog.models import Enrollment
from lms.certificates.models import Certificate
from lms.extensions import db, utcnow
from lms.ledger.models import Credit
from lms.live.attendance import record_attendance
from lms.progress.credit import video_report_from
from lms.progress.service import complete_evaluation_item, open_item, record_video
from tests.factories import enrol, make_item, make_media, make_user


def certificates_of(member) -> int:
    return db.session.scalar(select(func.count(Certificate.id)).where(
        Certificate.user_id == member.id))


def watch_recording(member, video, now) -> None:
    """Open the video and report it played through, two minutes later."""
    open_item(member, video.id, now=now)
    record_video(member, video.id, video_report_from({"position": 120, "played": [[0, 120]]}),
                 now=now + timedelta(minutes=2))
    db.session.commit()


def add_recording(held_webinar, **over):
    return make_item(held_webinar.item.module, kind="video", title="Recording",
                     media=make_media(duration_seconds=120.0), is_required=False,
                     recording_completes=True, **over)


def test_attending_completes_the_session_and_the_course_once(held_webinar) -> None:
    alice = held_webinar.members["alice"]
    registration = held_webinar.registrations["alice"]
    assert record_attendance(registration, 50, utcnow()) is True
    assert record_attendance(registration, 55, utcnow()) is False
    db.session.commit()
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == alice.id))
    assert enrollment.completed_at is not None
    assert certificates_of(alice) == 1
    assert db.session.scalar(select(func.count(Credit.id)).where(
        Credit.user_id == alice.id)) == 1


def test_too_few_minutes_do_not_complete(held_webinar) -> None:
    assert record_attendance(held_webinar.registrations["bob"], 44, utcnow()) is False
    db.session.commit()
    assert certificates_of(held_webinar.members["bob"]) == 0


def test_a_member_who_missed_the_session_completes_by_watching_the_recording(held_webinar) -> None:
    video = add_recording(held_webinar)
    missed = make_user()
    enrol(missed, held_webinar.course)
    watch_recording(missed, video, utcnow())
    assert certificates_of(missed) == 1


def test_a_video_not_marked_as_the_recording_does_not_complete_the_session(held_webinar) -> None:
    video = add_recording(held_webinar)
    video.recording_completes = False
    db.session.commit()
    missed = make_user()
    enrol(missed, held_webinar.course)
    watch_recording(missed, video, utcnow())
    assert certificates_of(missed) == 0


def test_a_session_without_its_own_item_completes_the_course_s_only_session_item(
        held_webinar) -> None:
    held_webinar.session.item_id = None
    db.session.commit()
    record_attendance(held_webinar.registrations["carol"], 60, utcnow())
    db.session.commit()
    assert certificates_of(held_webinar.members["carol"]) == 1


def test_an_evaluation_is_still_required_after_attending(held_webinar) -> None:
    evaluation = make_item(held_webinar.item.module, kind="evaluation", title="Tell us")
    alice = held_webinar.members["alice"]
    record_attendance(held_webinar.registrations["alice"], 60, utcnow())
    db.session.commit()
    assert certificates_of(alice) == 0
    complete_evaluation_item(alice, evaluation.id, now=utcnow())
    db.session.commit()
    assert certificates_of(alice) == 1


def test_studio_can_add_a_session_item_and_the_outline_shows_it(client, auth, held_webinar) -> None:
    auth.login(held_webinar.instructor.email)
    module_id = held_webinar.item.module_id
    page = client.get(f"/studio/modules/{module_id}/items/new/session")
    assert page.status_code == 200
    response = auth.post(f"/studio/modules/{module_id}/items/new/session",
                         {"title": "Second live session", "required": "y"})
    assert response.status_code in (302, 303)
    outline = client.get(f"/studio/courses/{held_webinar.course.id}/outline")
    assert "Second live session" in outline.get_data(as_text=True)
    course_page = client.get(f"/courses/{held_webinar.course.slug}").get_data(as_text=True)
    assert "Live session" in course_page
