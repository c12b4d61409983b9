"""Item analysis through the database matches a hand-computed example; the CSV is safe."""

from __future__ import annotations

import csv
import io

import pytest

from lms.extensions import db, utcnow
from lms.quizzes import attempts
from lms.quizzes.analysis import REVERSED, VERY_HARD
from tests.factories import enrol, make_user

QUESTIONS = [
    {"kind": "single", "prompt": "Q1", "points": 2,
     "choices": [{"text": "A", "correct": True}, {"text": "B"}, {"text": "C"}]},
    {"kind": "true_false", "prompt": "Q2", "answer": True},
    {"kind": "short_text", "prompt": "Q3", "accepted_answers": ["rare"]},
]

#: (Q1 choice, Q2 answer, Q3 typed) per member, in submission order. Totals of 4 points:
#: m1–m3 50%, m4–m7 25%, m8 0%.
ANSWERS = [("A", "False", "no"), ("A", "False", "no"), ("A", "False", "no"),
           ("B", "True", "no"), ("C", "True", "no"), ("B", "True", "no"),
           ("C", "False", "rare"), ("B", "False", "no")]


def answer(attempt, q1: str, q2: str, q3: str) -> dict:
    by_prompt = {q["prompt"]: q for q in attempt.snapshot["questions"]}

    def pick(prompt: str, text: str) -> list[int]:
        return [c["id"] for c in by_prompt[prompt]["choices"] if c["text"] == text]

    return {str(by_prompt["Q1"]["id"]): pick("Q1", q1), str(by_prompt["Q2"]["id"]): pick("Q2", q2),
            str(by_prompt["Q3"]["id"]): q3}


@pytest.fixture
def analysed(client, quiz):
    quiz.add(client, *QUESTIONS)
    for n, picks in enumerate(ANSWERS):
        member = quiz.member if n == 0 else make_user()
        if n:
            enrol(member, quiz.course)
        started = attempts.start_attempt(member, quiz.item.id, now=utcnow()).attempt
        attempts.submit_attempt(member, started.id, answer(started, *picks), now=utcnow())
        db.session.commit()
    return client.get(f"/api/v1/items/{quiz.item.id}/quiz/analysis",
                      headers=quiz.editor).get_json()


def test_item_analysis_matches_the_hand_computed_example(analysed):
    # Kelley groups of round(0.27 × 8) = 2: top m1, m2 (50%); bottom m7, m8 (25%, 0%).
    assert analysed["attempts"] == 8
    q1, q2, q3 = analysed["questions"]
    assert (q1["facility"], q1["discrimination"]) == (pytest.approx(3 / 8), pytest.approx(1.0))
    assert [(c["text"], c["count"]) for c in q1["choices"]] == [("A", 3), ("B", 3), ("C", 2)]
    assert (q2["facility"], q2["discrimination"]) == (pytest.approx(3 / 8), pytest.approx(0.0))
    assert [(c["text"], c["count"]) for c in q2["choices"]] == [("True", 3), ("False", 5)]
    assert (q3["facility"], q3["discrimination"]) == (pytest.approx(1 / 8), pytest.approx(-0.5))
    assert q3["flags"] == [VERY_HARD, REVERSED]
    assert q1["flags"] == q2["flags"] == []


def test_analysis_page_shows_the_figures(analysed, client, auth, quiz):
    auth.login(quiz.instructor.email)
    html = client.get(f"/studio/quizzes/{quiz.item.id}/analysis").get_data(as_text=True)
    assert "8 graded attempts" in html and "-0.50" in html and VERY_HARD in html


def test_csv_has_every_attempt_and_neutralises_formulas(client, quiz, auth):
    quiz.add(client, QUESTIONS[1])
    quiz.member.name = "=HYPERLINK(\"http://evil.example\")"
    db.session.commit()
    started = attempts.start_attempt(quiz.member, quiz.item.id, now=utcnow()).attempt
    attempts.submit_attempt(quiz.member, started.id, {}, now=utcnow())
    db.session.commit()
    auth.login(quiz.instructor.email)
    response = client.get(f"/studio/quizzes/{quiz.item.id}/attempts.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2
    assert rows[1][2] == "'=HYPERLINK(\"http://evil.example\")"
    assert rows[1][8] == "0.00" and rows[1][9] == "False"
