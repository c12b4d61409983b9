"""Pages kept in memory (lms.memo, lms.pagecache) show every change to a course at once.

Each test views a page first, so its course is kept, then changes what the page
shows the way the studio, the uploader or a profile form does, and looks again.
"""

from __future__ import annotations

import pytest

from lms.catalog.models import Caption, Topic
from lms.extensions import db
from lms.progress.service import mark_done
from tests.factories import enrol, make_course, make_item, make_media, make_module, make_user


@pytest.fixture
def world(client, auth, app_ctx):
    teacher = make_user(role="instructor", name="Ada Teacher")
    course = make_course(instructors=[teacher], modules=1, items_per_module=2)
    member = make_user()
    enrol(member, course)
    auth.login(member.email)
    return course, member, teacher


def course_page(client, course) -> str:
    response = client.get(f"/courses/{course.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def player(client, course, item) -> str:
    response = client.get(f"/learn/{course.slug}/items/{item.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_renamed_item_shows_on_course_page_and_player_outline(client, world):
    course, _, _ = world
    first, second = course.modules[0].items
    assert "Reading 1.2" in course_page(client, course) and "Reading 1.2" in player(
        client, course, first)
    second.title = "Weeding checklist"
    db.session.commit()
    assert "Weeding checklist" in course_page(client, course)
    assert "Weeding checklist" in player(client, course, first)
    assert "Reading 1.2" not in course_page(client, course)


def test_new_module_and_deleted_item_show_at_once(client, world):
    course, _, _ = world
    first, second = course.modules[0].items
    course_page(client, course)
    player(client, course, first)
    make_item(make_module(course, title="Module two"), title="Fresh reading")
    db.session.delete(second)
    db.session.commit()
    page = course_page(client, course)
    assert "Module two" in page and "Fresh reading" in page and "Reading 1.2" not in page
    outline = player(client, course, first)
    assert "Fresh reading" in outline and "Reading 1.2" not in outline


def test_recording_length_read_after_upload_shows_on_course_page(client, world):
    course, _, _ = world
    media = make_media(duration_seconds=None)
    make_item(course.modules[0], kind="video", title="Talk", media=media)
    assert "Length of recordings" not in course_page(client, course)
    media.duration_seconds = 45 * 60
    db.session.commit()
    assert "45 minutes" in course_page(client, course)


def test_instructor_rename_and_topic_changes_show_on_course_page(client, world):
    course, _, teacher = world
    assert "Ada Teacher" in course_page(client, course)
    teacher.name = "Ada Lovelace-Teacher"
    db.session.commit()
    assert "Ada Lovelace-Teacher" in course_page(client, course)

    topic = Topic(slug="weeding", name="Weeding")
    course.topics.append(topic)  # a collection change only: no course column changes
    db.session.commit()
    assert "Weeding" in course_page(client, course)
    topic.name = "Collection care"
    db.session.commit()
    assert "Collection care" in course_page(client, course)


def test_quiz_pass_mark_change_shows_in_whats_left(client, world):
    from lms.quizzes.models import Quiz

    course, _, _ = world
    quiz_item = make_item(course.modules[0], kind="quiz", title="Check yourself")
    quiz = db.session.query(Quiz).filter_by(item_id=quiz_item.id).one_or_none()
    if quiz is None:
        quiz = Quiz(item_id=quiz_item.id, pass_percent=80)
        db.session.add(quiz)
        db.session.commit()
    first = course.modules[0].items[0]
    assert "80% needed" in player(client, course, first)
    quiz.pass_percent = 65
    db.session.commit()
    assert "65% needed" in player(client, course, first)


def test_caption_added_to_an_item_moves_the_course_stamp(world):
    course, _, _ = world
    before = course.updated_at
    item = course.modules[0].items[0]
    db.session.add(Caption(item_id=item.id, media_id=make_media(kind="captions").id))
    db.session.commit()
    db.session.refresh(course)
    assert course.updated_at > before


def test_progress_and_enrolments_leave_the_course_stamp_alone(world):
    course, member, _ = world
    before = course.updated_at
    enrol(make_user(), course)
    mark_done(member, course.modules[0].items[0].id)
    db.session.commit()
    db.session.refresh(course)
    assert course.updated_at == before


def test_anonymous_course_page_shows_a_renamed_item(client, app_ctx):
    course = make_course(modules=1, items_per_module=1)
    assert "Reading 1.1" in course_page(client, course)
    course.modules[0].items[0].title = "Renamed for everyone"
    db.session.commit()
    assert "Renamed for everyone" in course_page(client, course)
