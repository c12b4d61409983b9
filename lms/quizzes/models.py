"""Quizzes on quiz items: settings, questions with their keys, and members' attempts.

An attempt freezes what it asked at the start (questions, choices, their order and
keys) in ``Attempt.snapshot``, so later edits to the quiz never change an attempt
that is running or graded.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalog.models import Item
from lms.extensions import UTCDateTime, db, utcnow

FEEDBACK_POLICIES = ("none", "after_each", "after_pass", "after_last")
SCORINGS = ("all_or_nothing", "partial")


class Quiz(db.Model):
    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), unique=True)
    pass_percent: Mapped[int] = mapped_column(default=80)
    #: 0 means unlimited.
    max_attempts: Mapped[int] = mapped_column(default=0)
    #: Wait this long after submitting before the next attempt may start.
    cooldown_seconds: Mapped[int] = mapped_column(default=0)
    #: None means untimed; members with an accommodation get extra on top.
    time_limit_seconds: Mapped[int | None]
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_choices: Mapped[bool] = mapped_column(default=False)
    #: Draw this many questions per attempt (None: every question).
    pool_size: Mapped[int | None]
    #: When members see per-question results: none | after_each | after_pass | after_last.
    feedback_policy: Mapped[str] = mapped_column(String(12), default="after_each")
    #: all_or_nothing | partial (multiple choice and matching).
    scoring: Mapped[str] = mapped_column(String(16), default="partial")

    item: Mapped[Item] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan")


class Question(db.Model):
    __tablename__ = "quiz_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: single | multiple | true_false | short_text | numeric | matching
    kind: Mapped[str] = mapped_column(String(12))
    #: GIFT title (optional, kept for export).
    title: Mapped[str] = mapped_column(String(200), default="")
    #: GIFT format tag (markdown, html, plain, moodle or empty), kept for export.
    text_format: Mapped[str] = mapped_column(String(10), default="")
    prompt: Mapped[str] = mapped_column(Text)
    points: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(1))
    explanation: Mapped[str] = mapped_column(Text, default="")
    #: short_text: texts compared case- and space-insensitively.
    accepted_answers: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: short_text: regular expressions matched in full (safe subset, see grading).
    accepted_patterns: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: numeric: [{value, tolerance, weight, feedback}] with numbers as strings.
    numeric_answers: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    #: matching: [[left, right], ...]
    pairs: Mapped[list[list[str]]] = mapped_column(JSON, default=list)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan")


class Choice(db.Model):
    __tablename__ = "quiz_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str] = mapped_column(Text, default="")
    #: Percent of the question's points (-100..100), as GIFT's ``~%50%``; None: by is_correct.
    weight: Mapped[Decimal | None] = mapped_column(Numeric(9, 5))

    question: Mapped[Question] = relationship(back_populates="choices")


class Attempt(db.Model):
    __tablename__ = "quiz_attempt"
    # The unique number per member is what keeps concurrent starts within the limit.
    __table_args__ = (UniqueConstraint("quiz_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    #: The enrolment's edition it belongs to: a retake starts with a fresh attempt limit.
    edition: Mapped[int] = mapped_column(default=1, server_default="1")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: {"scoring", "pass_percent", "questions": [question with key, choices in shown order]}
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: {"<question id>": answer} saved as the member goes (only before the deadline + grace).
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    passed: Mapped[bool | None]
    #: True when it was graded on saved answers because it came in after the deadline.
    is_late: Mapped[bool] = mapped_column(default=False)
    #: [{question_id, score, max_score, correct, selected, feedback}] once graded.
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


EVALUATION_KINDS = ("likert", "text")


class EvaluationQuestion(db.Model):
    """A question of a course evaluation (an ``evaluation`` item): never graded."""

    __tablename__ = "evaluation_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: likert (a rating 1–5) | text (a free comment)
    kind: Mapped[str] = mapped_column(String(10))
    prompt: Mapped[str] = mapped_column(Text)
    #: Whether a member must answer it to submit the evaluation.
    is_required: Mapped[bool] = mapped_column(default=True)

    item: Mapped[Item] = relationship()


class EvaluationResponse(db.Model):
    """One member's submitted evaluation, once per edition of their enrolment.

    The member is kept only to hold them to one response; reports never show who
    answered what.
    """

    __tablename__ = "evaluation_response"
    __table_args__ = (UniqueConstraint("item_id", "user_id", "edition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    edition: Mapped[int] = mapped_column(default=1)
    #: {"<question id>": 1..5 | "text"}; unanswered optional questions are absent.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
