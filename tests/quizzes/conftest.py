"""Fixtures for quiz tests that touch the database: a course with a quiz item and a member."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from lms.extensions import db
from tests.factories import api_headers, enrol, make_course, make_item, make_module, make_user

#: One question of each kind, with key material that appears nowhere else.
QUESTIONS = [
    {"kind": "single", "prompt": "Which class holds history?", "points": 2,
     "choices": [{"text": "900", "correct": True, "feedback": "FB-single-right"},
                 {"text": "800", "feedback": "FB-single-wrong"},
                 {"text": "100"}],
     "explanation": "EXPL-single"},
    {"kind": "multiple", "prompt": "Which are open standards?", "points": 2,
     "choices": [{"text": "Dublin Core", "correct": True, "feedback": "FB-multi-dc"},
                 {"text": "MARC 21", "correct": True},
                 {"text": "A vendor export", "feedback": "FB-multi-vendor"}],
     "explanation": "EXPL-multiple"},
    {"kind": "true_false", "prompt": "RDA replaced AACR2.", "answer": True,
     "explanation": "EXPL-tf"},
    {"kind": "short_text", "prompt": "What does OPAC stand for?",
     "accepted_answers": ["Online Public Access Catalogxq"], "accepted_patterns": ["opac-?zz"],
     "explanation": "EXPL-short"},
    {"kind": "numeric", "prompt": "Digits in an ISBN-13?", "answer": 13.75, "tolerance": 0.25,
     "explanation": "EXPL-numeric"},
    {"kind": "matching", "prompt": "Match the standard to its domain.",
     "pairs": [["MARC", "bibliographic records"], ["EAD", "archival finding aids"],
               ["ONIX", "book trade metadata"]],
     "explanation": "EXPL-matching"},
]


@dataclass
class QuizSetup:
    instructor: object
    member: object
    course: object
    item: object
    editor: dict
    headers: dict
    questions: list = field(default_factory=list)

    def settings(self, client, **settings) -> dict:
        response = client.patch(f"/api/v1/items/{self.item.id}/quiz", json=settings,
                                headers=self.editor)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def add(self, client, *questions: dict) -> list[dict]:
        added = []
        for question in questions:
            response = client.post(f"/api/v1/items/{self.item.id}/questions", json=question,
                                   headers=self.editor)
            assert response.status_code == 201, response.get_json()
            added.append(response.get_json())
        self.questions.extend(added)
        return added

    def start(self, client, headers: dict | None = None):
        return client.post(f"/api/v1/items/{self.item.id}/attempts",
                           headers=headers or self.headers)


@pytest.fixture
def quiz(app_ctx) -> QuizSetup:
    instructor = make_user(role="instructor")
    course = make_course(instructors=[instructor], title="Cataloguing basics")
    module = make_module(course, title="Check your knowledge")
    item = make_item(module, kind="quiz", title="Cataloguing quiz", body="")
    member = make_user()
    enrol(member, course)
    db.session.commit()
    return QuizSetup(instructor, member, course, item, api_headers(instructor),
                     api_headers(member))
