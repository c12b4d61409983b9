"""The quiz builder in the studio: settings, questions, preview, GIFT, item analysis.

Pages work without JavaScript (reordering is up/down buttons); each view parses a
form, calls the builder service, commits and redirects.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from lms.errors import DomainError, ValidationError
from lms.extensions import db
from lms.forms import refuse, save_form
from lms.quizzes import builder, evaluation_studio, insights, service
from lms.quizzes.forms import (
    CHOICE_ROWS,
    KIND_LABELS,
    GiftImportForm,
    QuestionForm,
    QuizSettingsForm,
    question_data,
)
from lms.quizzes.questions import KINDS
from lms.quizzes.specs import (
    data_of_spec,
    editor_question,
    public_question,
    snapshot_entry,
    spec_from_data,
)
from lms.web import me, require_login

bp = Blueprint("quiz_studio", __name__, url_prefix="/studio/quizzes")
bp.before_request(require_login)


def page(template: str, quiz, status: int = 200, **context):
    item = quiz.item
    return render_template(template, quiz=quiz, item=item, course=item.module.course,
                           kind_labels=KIND_LABELS, **context), status


# --- the quiz: settings and question list --------------------------------------------


@bp.route("/<int:item_id>", methods=["GET", "POST"])
def edit(item_id: int):
    quiz = builder.quiz_for_edit(me(), item_id)
    form = QuizSettingsForm(obj=quiz)
    if request.method == "GET" and quiz.time_limit_seconds:
        form.time_limit_minutes.data = round(quiz.time_limit_seconds / 60, 2)
    saved = save_form(form, lambda: service.update_settings(me(), item_id, form.settings()),
                      "Quiz settings saved.")
    if saved is not None:
        return redirect(url_for("quiz_studio.edit", item_id=item_id))
    quiz = builder.quiz_for_edit(me(), item_id)
    questions = [editor_question(q) for q in quiz.questions] if quiz.id else []
    return page("quizzes/studio_quiz.html", quiz, 422 if form.errors else 200, form=form,
                questions=questions, kinds=KINDS)


# --- questions ------------------------------------------------------------------------


@bp.route("/<int:item_id>/questions/new/<any(single, multiple, true_false, short_text, "
          "numeric, matching):kind>", methods=["GET", "POST"])
def new_question(item_id: int, kind: str):
    quiz = builder.quiz_for_edit(me(), item_id)
    form = QuestionForm()
    rows = int(request.form.get("rows", CHOICE_ROWS)) if request.method == "POST" else CHOICE_ROWS
    if form.validate_on_submit():
        data = question_data(kind, form, request.form, rows)
        preview = _preview_or_save(form, data, lambda: builder.add_question(me(), item_id, data))
        if preview is None:
            flash("Question added.", "success")
            return redirect(url_for("quiz_studio.edit", item_id=item_id))
        return _question_page(quiz, kind, form, None, rows, preview)
    return _question_page(quiz, kind, form, None, rows, None)


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
def question(question_id: int):
    found = builder.question_for_edit(me(), question_id)
    quiz, kind = found.quiz, found.kind
    current = editor_question(found)
    form = QuestionForm(data=_form_data(current) if request.method == "GET" else None)
    rows = max(CHOICE_ROWS, len(current["choices"]) + 2)
    if form.validate_on_submit():
        data = question_data(kind, form, request.form, rows)
        preview = _preview_or_save(form, data,
                                   lambda: builder.update_question(me(), question_id, data))
        if preview is None:
            flash("Question saved. Attempts already started keep the version they began with.",
                  "success")
            return redirect(url_for("quiz_studio.edit", item_id=quiz.item_id))
        return _question_page(quiz, kind, form, current, rows, preview)
    return _question_page(quiz, kind, form, current, rows, None)


def _preview_or_save(form: QuestionForm, data: dict, save) -> dict | None:
    """Save (returns None) or, for the Preview button, the question as members see it."""
    try:
        if "preview" in request.form:
            spec = spec_from_data(data)
            return {"ok": True, "spec": spec}
        save()
    except ValidationError as exc:
        if data["kind"] == "true_false" and "answer" in exc.errors:
            exc.errors["answer_true"] = exc.errors.pop("answer")
        refuse(form, exc)
        return {"ok": False}
    db.session.commit()
    return None


def _form_data(current: dict) -> dict:
    numeric = current["numeric_answers"][0] if current["numeric_answers"] else {}
    true_choice = current["choices"][0] if current["kind"] == "true_false" else {}
    return {
        "prompt": current["prompt"], "points": current["points"],
        "explanation": current["explanation"],
        "accepted_answers": "\n".join(current["accepted_answers"]),
        "accepted_patterns": "\n".join(current["accepted_patterns"]),
        "answer": "" if not numeric else f"{numeric['value']:g}",
        "tolerance": "0" if not numeric else f"{numeric['tolerance']:g}",
        "pairs": "\n".join(f"{left} -> {right}" for left, right in current["pairs"]),
        "answer_true": ("true" if true_choice.get("correct") else "false") if true_choice else None,
    }


def _question_page(quiz, kind: str, form: QuestionForm, current: dict | None, rows: int,
                   preview: dict | None):
    choices = _choice_rows(current, rows)
    shown = None
    if preview and preview.get("ok"):
        spec = preview["spec"]
        shown = _preview_question(spec)
    status = 422 if form.errors or form.form_errors else 200
    return page("quizzes/studio_question.html", quiz, status, form=form, kind=kind,
                question=current, choices=choices, rows=rows, shown=shown,
                tf_feedback=_tf_feedback(current))


def _choice_rows(current: dict | None, rows: int) -> list[dict]:
    if request.method == "POST":
        return [{"text": request.form.get(f"choice-{n}-text", ""),
                 "correct": request.form.get(f"choice-{n}-correct") == "y",
                 "feedback": request.form.get(f"choice-{n}-feedback", "")} for n in range(rows)]
    given = list(current["choices"]) if current else []
    return given + [{"text": "", "correct": False, "feedback": ""}] * (rows - len(given))


def _tf_feedback(current: dict | None) -> dict:
    if request.method == "POST":
        return {"true": request.form.get("feedback-true", ""),
                "false": request.form.get("feedback-false", "")}
    if current and current["kind"] == "true_false":
        return {"true": current["choices"][0]["feedback"],
                "false": current["choices"][1]["feedback"]}
    return {"true": "", "false": ""}


def _preview_question(spec) -> dict:
    """The unsaved question as a member would see it (ids are placeholders)."""
    from lms.quizzes.models import Choice, Question

    row = Question(id=0, kind=spec.kind, prompt=spec.prompt, points=spec.points, title="",
                   text_format="", explanation="", accepted_answers=[], accepted_patterns=[],
                   numeric_answers=[], pairs=[list(p) for p in spec.pairs])
    choices = [Choice(id=-(n + 1), text=c.text, is_correct=False, feedback="", weight=None)
               for n, c in enumerate(spec.choices)]
    options = sorted({right for _, right in spec.pairs}, key=str.casefold)
    return public_question(snapshot_entry(row, choices, options))


@bp.post("/questions/<int:question_id>/move")
def move_question(question_id: int):
    found = builder.question_for_edit(me(), question_id)
    step = -1 if request.form.get("direction") == "up" else 1
    builder.move_question(me(), question_id, found.position + step)
    db.session.commit()
    return redirect(url_for("quiz_studio.edit", item_id=found.quiz.item_id) + "#questions")


@bp.post("/questions/<int:question_id>/delete")
def delete_question(question_id: int):
    quiz = builder.delete_question(me(), question_id)
    db.session.commit()
    flash("Question deleted. Graded attempts keep their copy.", "success")
    return redirect(url_for("quiz_studio.edit", item_id=quiz.item_id) + "#questions")


@bp.get("/<int:item_id>/preview")
def preview(item_id: int):
    quiz = builder.quiz_for_edit(me(), item_id)
    questions = [public_question(snapshot_entry(q, q.choices, sorted(
        {right for _, right in q.pairs or []}, key=str.casefold)))
        for q in (quiz.questions if quiz.id else [])]
    return page("quizzes/studio_preview.html", quiz, questions=questions)


# --- GIFT ---------------------------------------------------------------------------


@bp.route("/<int:item_id>/import", methods=["GET", "POST"])
def import_gift(item_id: int):
    """Check and preview first: every question that cannot be imported is listed with its
    line; the editor then fixes the text, or imports the others knowingly (skip_invalid)."""
    quiz = builder.quiz_for_edit(me(), item_id)
    form = GiftImportForm()
    specs = problems = None
    if form.validate_on_submit():
        text = form.gift.data or ""
        skip_invalid = request.form.get("skip_invalid") == "1"
        try:
            text = _gift_text(form)
            if "confirm" in request.form:
                imported = builder.import_gift(me(), item_id, text, skip_invalid)
                db.session.commit()
                flash(_imported_message(imported), "success")
                return redirect(url_for("quiz_studio.edit", item_id=item_id))
            reading = builder.preview_gift(me(), item_id, text, skip_invalid=True)
            specs = [data_of_spec(s) for s in reading.questions]
            problems = [str(p) for p in reading.problems]
            form.gift.errors = [*form.gift.errors, *(p[:1].upper() + p[1:] for p in problems)]
            form.gift.data = text
        except DomainError as exc:
            refuse(form, exc)
            form.gift.data = text
    status = 422 if form.errors or form.form_errors else 200
    return page("quizzes/studio_import.html", quiz, status, form=form, specs=specs,
                problems=problems)


def _imported_message(imported: builder.GiftImport) -> str:
    count = len(imported.questions)
    message = f"Imported {count} question{'s' if count != 1 else ''}."
    if imported.skipped:
        numbers = ", ".join(str(p.number) for p in imported.skipped)
        message += (f" Skipped {len(imported.skipped)} that cannot be imported "
                    f"(question{'s' if len(imported.skipped) != 1 else ''} {numbers} "
                    "of the file).")
    return message


def _gift_text(form: GiftImportForm) -> str:
    upload = form.upload.data
    if upload and upload.filename:
        raw = upload.read(2 * 1024 * 1024 + 1)
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            message = "The file is not UTF-8 text."
            raise ValidationError(message, errors={"upload": [message]}) from None
    return form.gift.data or ""


@bp.get("/<int:item_id>/export.gift")
def export_gift(item_id: int):
    text = builder.export_gift(me(), item_id)
    return Response(text, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="quiz-{item_id}.gift"'})


# --- item analysis ------------------------------------------------------------------


@bp.get("/<int:item_id>/analysis")
def analysis(item_id: int):
    quiz, reports, total = insights.analyse(me(), item_id)
    return page("quizzes/studio_analysis.html", quiz, reports=reports, total=total)


@bp.get("/<int:item_id>/attempts.csv")
def attempts_csv(item_id: int):
    text = insights.attempts_csv(me(), item_id)
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="quiz-{item_id}-attempts.csv"'})


# --- course evaluations (``evaluation_studio``) ---------------------------------------

evaluation_studio.register(bp)
