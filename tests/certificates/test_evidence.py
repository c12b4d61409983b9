"""A certificate's evidence keeps each member's best submitted quiz score."""

from decimal import Decimal

from lms.certificates.evidence import evidence_for
from lms.extensions import db, utcnow
from lms.quizzes.models import Attempt, Quiz
from tests.factories import make_course, make_item, make_module, make_user


def attempt(quiz, user, number, score, submitted=True):
    db.session.add(Attempt(quiz=quiz, user=user, number=number, snapshot={},
                           started_at=utcnow(), score_percent=score,
                           submitted_at=utcnow() if submitted else None))


def test_best_submitted_score_per_member_and_quiz(app_ctx):
    course = make_course()
    quiz_item = make_item(make_module(course), kind="quiz", title="Check your understanding")
    quiz = Quiz(item_id=quiz_item.id)
    db.session.add(quiz)
    ada, bo = make_user(), make_user()
    attempt(quiz, ada, 1, Decimal("60.00"))
    attempt(quiz, ada, 2, Decimal("85.50"))
    attempt(quiz, ada, 3, Decimal("99.00"), submitted=False)  # never submitted: not evidence
    db.session.commit()

    evidence = evidence_for(course, [ada.id, bo.id])

    assert evidence[ada.id]["best_quiz_score"] == 85.5
    assert evidence[ada.id]["quizzes"] == [{"item_id": quiz_item.id,
                                             "title": "Check your understanding",
                                             "best_score_percent": 85.5}]
    assert evidence[bo.id]["best_quiz_score"] is None
