"""Taking quizzes in the browser: intro page, attempt form (works without JavaScript), result.

The pages call the same services as the API, so keys, limits and deadlines hold alike.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from lms.catalog.markdown import render_markdown
from lms.errors import Conflict, DomainError, ValidationError
from lms.extensions import db, utcnow
from lms.quizzes import attempts, evaluations, standing
from lms.quizzes.forms import answers_from_form
from lms.quizzes.presenters import result_details, status_of
from lms.quizzes.specs import public_question
from lms.web import me, require_login

bp = Blueprint("quizzes", __name__)

POLICY_NOTES = {
    "none": "This quiz shows your score only, not per-question results.",
    "after_each": "You see which answers were right after each attempt.",
    "after_pass": "You see which answers were right once you have passed.",
    "after_last": "You see which answers were right after your last allowed attempt.",
}


bp.before_request(require_login)


@bp.app_template_filter("prompt_html")
def prompt_html(text: str):
    """Prompts are Markdown (GIFT's default too), sanitised like every other text."""
    return render_markdown(text)


@bp.get("/quiz/<int:item_id>")
def take(item_id: int):
    info = standing.overview(me(), item_id)
    return render_template("quizzes/take.html", info=info, now=utcnow(),
                           policy_note=POLICY_NOTES[info.quiz.feedback_policy],
                           status_of=status_of)


@bp.post("/quiz/<int:item_id>/start")
def start(item_id: int):
    try:
        started = attempts.start_attempt(me(), item_id)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.detail, "error")
        return redirect(url_for("quizzes.take", item_id=item_id))
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=started.attempt.id))


@bp.get("/quiz/attempts/<int:attempt_id>")
def attempt(attempt_id: int):
    found = attempts.get_attempt(me(), attempt_id)
    if found.submitted_at is not None:
        return redirect(url_for("quizzes.result", attempt_id=attempt_id))
    return render_attempt(found)


def render_attempt(found, errors: list[str] | None = None, status: int = 200):
    now = utcnow()
    questions = [public_question(e) for e in found.snapshot["questions"]]
    return render_template("quizzes/attempt.html", attempt=found, item=found.quiz.item,
                           questions=questions, answers=found.answers, now=now,
                           expired=attempts.is_expired(found, now),
                           closes_at=attempts.closes_at(found), errors=errors or []), status


@bp.post("/quiz/attempts/<int:attempt_id>")
def answer(attempt_id: int):
    found = attempts.get_attempt(me(), attempt_id)
    given = answers_from_form(found.snapshot, request.form)
    try:
        if request.form.get("action") == "save":
            attempts.save_answers(me(), attempt_id, given)
        else:
            done = attempts.submit_attempt(me(), attempt_id, given)
    except DomainError as exc:
        db.session.rollback()
        if found.submitted_at is not None or isinstance(exc, Conflict):
            flash(exc.detail, "error")
            return redirect(url_for("quizzes.take", item_id=found.quiz.item_id))
        return render_attempt(found, [exc.detail], 422)
    db.session.commit()
    if request.form.get("action") == "save":
        flash("Your answers are saved.", "success")
        return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))
    if done.late:
        flash("Time was up: your attempt was graded on the answers saved before the "
              "deadline.", "error")
    return redirect(url_for("quizzes.result", attempt_id=attempt_id))


@bp.get("/quiz/attempts/<int:attempt_id>/result")
def result(attempt_id: int):
    found = attempts.get_attempt(me(), attempt_id)
    if found.submitted_at is None:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))
    quiz = found.quiz
    mine = attempts.own_attempts(me(), quiz)
    visible = standing.results_visible(found, quiz, mine)
    return render_template("quizzes/result.html", attempt=found, item=quiz.item, quiz=quiz,
                           details=result_details(found) if visible else None,
                           policy_note=POLICY_NOTES[quiz.feedback_policy],
                           best=standing.best_score(mine))


@bp.post("/evaluation/<int:item_id>")
def submit_evaluation(item_id: int):
    """The player's evaluation form: fields ``q-<question id>``; back to the player."""
    item, _ = evaluations.evaluation_for_learner(me(), item_id)
    answers = {key.removeprefix("q-"): value for key, value in request.form.items()
               if key.startswith("q-")}
    try:
        evaluations.submit(me(), item_id, answers)
    except (Conflict, ValidationError) as exc:
        db.session.rollback()
        details = [message for messages in (exc.errors or {}).values() for message in messages]
        flash(" ".join([exc.detail, *sorted(set(details))]), "error")
    else:
        db.session.commit()
        flash("Thank you: your evaluation is submitted.", "success")
    return redirect(url_for("progress.player", slug=item.module.course.slug, item_id=item_id))
