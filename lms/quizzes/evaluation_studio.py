"""Course evaluations in the studio: write the questions, read the anonymous results.

Routes are added to the quiz studio blueprint by :func:`register` (``quizzes.studio``).
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for

from lms.extensions import db
from lms.forms import save_form
from lms.quizzes import evaluation_reports, evaluations
from lms.quizzes.forms import EVALUATION_KIND_LABELS, EvaluationQuestionForm
from lms.web import me


def evaluation(item_id: int):
    item = evaluations.evaluation_item_for_edit(me(), item_id)
    form = EvaluationQuestionForm()
    added = save_form(form, lambda: evaluations.add_question(me(), item_id, form.question()),
                      "Question added.")
    if added is not None:
        return redirect(url_for("quiz_studio.evaluation", item_id=item_id) + "#questions")
    return render_template("quizzes/studio_evaluation.html", item=item,
                           course=item.module.course, form=form,
                           questions=evaluations.questions_of(item.id),
                           kind_labels=EVALUATION_KIND_LABELS), 422 if form.errors else 200


def delete_evaluation_question(question_id: int):
    item_id = evaluations.delete_question(me(), question_id)
    db.session.commit()
    flash("Question deleted. Submitted answers to it are no longer shown.", "success")
    return redirect(url_for("quiz_studio.evaluation", item_id=item_id) + "#questions")


def course_evaluations(course_id: int):
    course, summaries = evaluation_reports.course_evaluations(me(), course_id)
    return render_template("quizzes/studio_evaluations.html", course=course,
                           summaries=summaries, min_group=evaluation_reports.MIN_GROUP,
                           labels=evaluations.LIKERT_LABELS)


def course_evaluations_csv(course_id: int):
    text = evaluation_reports.evaluations_csv(me(), course_id)
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="course-{course_id}-evaluations.csv"'})


def register(bp: Blueprint) -> None:
    """Add the evaluation pages to the quiz studio blueprint."""
    bp.add_url_rule("/<int:item_id>/evaluation", view_func=evaluation,
                    methods=["GET", "POST"])
    bp.add_url_rule("/evaluation-questions/<int:question_id>/delete",
                    view_func=delete_evaluation_question, methods=["POST"])
    bp.add_url_rule("/courses/<int:course_id>/evaluations", view_func=course_evaluations,
                    methods=["GET"])
    bp.add_url_rule("/courses/<int:course_id>/evaluations.csv",
                    view_func=course_evaluations_csv, methods=["GET"])
