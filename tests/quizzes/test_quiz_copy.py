"""Duplicating a course copies its quizzes: settings and questions, independent of the source."""

from lms.extensions import db
from lms.quizzes.models import Question, Quiz
from tests.factories import api_headers, make_course, make_module, make_user


def make_quiz_course(client, instructor):
    headers = api_headers(instructor)
    course = make_course(instructors=[instructor], status="draft")
    module = make_module(course)
    item = client.post(f"/api/v1/modules/{module.id}/items", headers=headers, json={
        "kind": "quiz", "title": "Check your understanding", "pass_percent": 70,
        "max_attempts": 3}).json
    client.post(f"/api/v1/items/{item['id']}/questions", headers=headers, json={
        "kind": "single", "prompt": "Which scheme do public libraries in the US use most?",
        "choices": [{"text": "Dewey Decimal", "correct": True},
                    {"text": "Library of Congress", "correct": False}]})
    return course, item, headers


def quiz_of_course(course_id: int) -> Quiz:
    from lms.catalog.models import Item, Module

    return db.session.execute(
        db.select(Quiz).join(Item, Quiz.item_id == Item.id).join(Module)
        .where(Module.course_id == course_id)).scalar_one()


def test_duplicate_course_copies_quiz_settings_and_questions(client, app_ctx):
    instructor = make_user(role="instructor")
    course, _item, headers = make_quiz_course(client, instructor)
    response = client.post(f"/api/v1/courses/{course.id}/duplicate", headers=headers)
    assert response.status_code == 201, response.json
    original, copied = quiz_of_course(course.id), quiz_of_course(response.json["id"])
    assert (copied.pass_percent, copied.max_attempts) == (70, 3)
    assert [q.prompt for q in copied.questions] == [q.prompt for q in original.questions]
    assert [c.is_correct for c in copied.questions[0].choices] == [True, False]
    assert copied.questions[0].id != original.questions[0].id


def test_editing_the_copy_leaves_the_original_alone(client, app_ctx):
    instructor = make_user(role="instructor")
    course, _item, headers = make_quiz_course(client, instructor)
    copy_id = client.post(f"/api/v1/courses/{course.id}/duplicate", headers=headers).json["id"]
    copied_question = quiz_of_course(copy_id).questions[0]
    response = client.patch(f"/api/v1/questions/{copied_question.id}", headers=headers, json={
        "kind": "single", "prompt": "Reworded in the copy",
        "choices": [{"text": "Dewey Decimal", "correct": True},
                    {"text": "Library of Congress", "correct": False}]})
    assert response.status_code == 200, response.json
    db.session.expire_all()
    original_prompts = [q.prompt for q in quiz_of_course(course.id).questions]
    assert original_prompts == ["Which scheme do public libraries in the US use most?"]
    assert db.session.get(Question, copied_question.id).prompt == "Reworded in the copy"
