"""Forms of the quiz pages: answers from a plain HTML form, and the builder's WTForms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.validators import Length as LengthLimit

from lms.forms import Form, PlainDecimalField
from lms.quizzes.models import FEEDBACK_POLICIES
from lms.quizzes.questions import CHOICE_KINDS

CHOICE_ROWS = 6

POLICY_LABELS = {
    "none": "Never: members see only their score",
    "after_each": "After each attempt",
    "after_pass": "Once the member has passed",
    "after_last": "After the member's last allowed attempt",
}
KIND_LABELS = {
    "single": "Single choice", "multiple": "Multiple choice", "true_false": "True or false",
    "short_text": "Short text", "numeric": "Number", "matching": "Matching",
}


def answers_from_form(snapshot: Mapping[str, Any], form: MultiDict) -> dict[str, Any]:
    """The answers of the attempt page's plain form, one per frozen question."""
    answers: dict[str, Any] = {}
    for entry in snapshot["questions"]:
        name = f"q{entry['id']}"
        if entry["kind"] in CHOICE_KINDS:
            answers[str(entry["id"])] = form.getlist(name)
        elif entry["kind"] == "matching":
            answers[str(entry["id"])] = {
                str(i): form.get(f"{name}-{i}", "")
                for i, (left, _) in enumerate(entry["pairs"]) if left}
        else:
            answers[str(entry["id"])] = form.get(name, "")
    return answers


class QuizSettingsForm(Form):
    pass_percent = IntegerField("Pass mark (percent)", validators=[
        InputRequired(), NumberRange(0, 100)])
    max_attempts = IntegerField("Attempts allowed", validators=[
        InputRequired(), NumberRange(0, 100)], description="0 means unlimited.")
    cooldown_seconds = IntegerField("Wait between attempts (seconds)", validators=[
        InputRequired(), NumberRange(0, 30 * 24 * 3600)], default=0)
    time_limit_minutes = PlainDecimalField("Time limit (minutes)", places=None, validators=[
        Optional(), NumberRange(0.1, 7 * 24 * 60)],
        description="Leave empty for no time limit. Members with an accommodation get "
                    "their extra time on top.")
    pool_size = IntegerField("Questions drawn per attempt", validators=[
        Optional(), NumberRange(1, 500)],
        description="Leave empty to ask every question. Repeat attempts draw questions "
                    "the member has not seen first.")
    shuffle_questions = BooleanField("Shuffle the order of questions")
    shuffle_choices = BooleanField("Shuffle the order of choices")
    feedback_policy = SelectField("Show per-question results", choices=[
        SelectChoice(key, POLICY_LABELS[key]) for key in FEEDBACK_POLICIES])
    scoring = SelectField("Multiple choice and matching", choices=[
        SelectChoice("partial", "Partial credit"),
        SelectChoice("all_or_nothing", "All or nothing")])

    def settings(self) -> dict[str, Any]:
        minutes = self.time_limit_minutes.data
        return {
            "pass_percent": self.pass_percent.data, "max_attempts": self.max_attempts.data,
            "cooldown_seconds": self.cooldown_seconds.data,
            "time_limit_seconds": max(1, round(minutes * 60)) if minutes else None,
            "pool_size": self.pool_size.data or None,
            "shuffle_questions": self.shuffle_questions.data,
            "shuffle_choices": self.shuffle_choices.data,
            "feedback_policy": self.feedback_policy.data, "scoring": self.scoring.data,
        }


class QuestionForm(Form):
    """One form for every kind; the page shows the fields of the question's kind.

    Choices come as ``choice-N-text``/``-correct``/``-feedback`` rows (see `choice_rows`).
    """

    prompt = TextAreaField("Question", validators=[DataRequired(), LengthLimit(max=20_000)])
    points = PlainDecimalField("Points", places=None, default=1,
                               validators=[InputRequired(), NumberRange(0, 1000)])
    explanation = TextAreaField("Explanation", validators=[Optional()],
                                description="Shown with the results, as the feedback "
                                            "policy allows.")
    answer_true = RadioField("The statement is", choices=[SelectChoice("true", "True"),
                                                          SelectChoice("false", "False")],
                             validators=[Optional()])
    accepted_answers = TextAreaField("Accepted answers, one per line", validators=[Optional()],
                                     description="Compared ignoring case and extra spaces.")
    accepted_patterns = TextAreaField(
        "Accepted patterns (regular expressions), one per line", validators=[Optional()],
        description="Optional. Matched in full against the answer in lower case.")
    answer = StringField("Correct number", validators=[Optional()])
    tolerance = StringField("Tolerance (plus or minus)", validators=[Optional()], default="0")
    pairs = TextAreaField("Pairs, one per line: left -> right", validators=[Optional()],
                          description="For example: MARC -> bibliographic records")


def choice_rows(form: MultiDict, count: int) -> list[dict[str, Any]]:
    """The choice rows typed into the builder form (empty rows dropped)."""
    rows = []
    for n in range(count):
        text = form.get(f"choice-{n}-text", "").strip()
        if text:
            rows.append({"text": text, "correct": form.get(f"choice-{n}-correct") == "y",
                         "feedback": form.get(f"choice-{n}-feedback", "").strip()})
    return rows


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def question_data(kind: str, form: QuestionForm, raw: MultiDict, rows: int) -> dict[str, Any]:
    """The builder form as the API's question shape, for the builder service."""
    data: dict[str, Any] = {"kind": kind, "prompt": form.prompt.data or "",
                            "points": form.points.data, "explanation": form.explanation.data}
    if kind in ("single", "multiple"):
        data["choices"] = choice_rows(raw, rows)
    elif kind == "true_false":
        data["answer"] = {"true": True, "false": False}.get(form.answer_true.data)
        data["feedback"] = {"true": raw.get("feedback-true", ""),
                            "false": raw.get("feedback-false", "")}
    elif kind == "short_text":
        data["accepted_answers"] = lines(form.accepted_answers.data)
        data["accepted_patterns"] = lines(form.accepted_patterns.data)
    elif kind == "numeric":
        data["answer"], data["tolerance"] = form.answer.data, form.tolerance.data
    else:
        data["pairs"] = [[part.strip() for part in line.split("->", 1)] if "->" in line
                         else [line, ""] for line in lines(form.pairs.data)]
    return data


class GiftImportForm(Form):
    gift = TextAreaField("GIFT text", validators=[Optional(), LengthLimit(max=2 * 1024 * 1024)],
                         description="Paste questions in Moodle's GIFT format, or upload a "
                                     "file below.")
    upload = FileField("GIFT file (.gift or .txt)")


EVALUATION_KIND_LABELS = {"likert": "Rating from 1 (strongly disagree) to 5 (strongly agree)",
                          "text": "Free-text comment"}


class EvaluationQuestionForm(Form):
    """A new evaluation question (the service checks the prompt's text rules)."""

    kind = SelectField("Kind of answer", choices=[
        SelectChoice(kind, label) for kind, label in EVALUATION_KIND_LABELS.items()])
    prompt = TextAreaField("Question", validators=[DataRequired("Write the question.")],
                           description="For a rating, a statement to agree or disagree with, "
                                       "e.g. “The course met its stated outcomes.”",
                           render_kw={"rows": 3})
    required = BooleanField("Members must answer it", default=True)

    def question(self) -> dict[str, Any]:
        return {"kind": self.kind.data, "prompt": self.prompt.data,
                "required": bool(self.required.data)}
