"""Course evaluations in the JSON API: questions (editors), answers (members), aggregates.

Routes are added to the quizzes API blueprint by :func:`register` (``quizzes.api``),
so they share its authentication and its place in the OpenAPI document.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from lms.apikit import json_body, require_actor
from lms.errors import ValidationError
from lms.extensions import db
from lms.openapi import enum_query, nullable, obj, operation, ref, text
from lms.quizzes import evaluation_reports, evaluations
from lms.quizzes.models import EVALUATION_KINDS

EDIT = {403: "Not an editor of this course", 404: "No such evaluation item"}
QUESTION = obj(id="integer", kind={"enum": list(EVALUATION_KINDS)}, prompt="string",
               required="boolean", position="integer")
SUMMARY = obj(
    item_id="integer", item_title="string", question_id="integer",
    kind={"enum": list(EVALUATION_KINDS)}, prompt="string",
    responses={"type": "integer", "minimum": 0},
    masked={"type": "boolean", "description": f"Fewer than {evaluation_reports.MIN_GROUP} "
            "responses: no figures or comments are shown"},
    count=nullable({"type": "integer"}) | {"optional": True},
    mean=nullable({"type": "number"}) | {"optional": True},
    distribution=nullable({"type": "object", "description": '{"1": n, ..., "5": n}'})
    | {"optional": True},
    comments=nullable({"type": "array", "items": {"type": "string"}}) | {"optional": True})

SCHEMAS = {
    "EvaluationQuestion": QUESTION,
    "Evaluation": obj(item_id="integer", title="string", submitted="boolean",
                      questions={"type": "array", "items": ref("EvaluationQuestion")}),
    "EvaluationResponse": obj(id="integer", item_id="integer", edition="integer",
                              submitted_at={"type": "string", "format": "date-time"},
                              answers={"type": "object"}),
    "EvaluationReport": obj(course_id="integer", min_group="integer",
                            questions={"type": "array", "items": SUMMARY}),
}

OPENAPI = {
    "/items/{item_id}/evaluation": {
        "get": operation("An evaluation's questions, and whether you submitted it (this "
                         "edition)", returns=ref("Evaluation"),
                         responses={200: "Evaluation", 403: "Not enrolled",
                                    404: "No such evaluation item"}),
        "post": operation("Submit a course evaluation (once per member and edition); "
                          "completes the item",
                          body=obj(answers={"type": "object", "description":
                                            'By question id: 1..5 (likert) or "text"'}),
                          returns=ref("EvaluationResponse"),
                          responses={201: "Recorded", 403: "Not enrolled (or an editor "
                                                           "previewing)",
                                     404: "No such evaluation item",
                                     409: "Already submitted, locked, access ended, or no "
                                          "questions yet",
                                     422: "Invalid answers (errors names each question)"}),
    },
    "/items/{item_id}/evaluation/questions": {
        "post": operation("Add an evaluation question (editors)",
                          body=obj(kind={"enum": list(EVALUATION_KINDS)},
                                   prompt=text(evaluations.MAX_PROMPT, required=True),
                                   required="boolean?"),
                          returns=ref("EvaluationQuestion"),
                          responses={201: "Question", **EDIT, 422: "Invalid question"}),
    },
    "/evaluation-questions/{question_id}": {
        "delete": operation("Delete an evaluation question (editors)",
                            responses={204: "Deleted", 403: "Not an editor",
                                       404: "No such question"}),
    },
    "/courses/{course_id}/evaluations": {
        "get": operation(f"Evaluation aggregates per question, anonymous; groups under "
                         f"{evaluation_reports.MIN_GROUP} responses masked (format=csv for CSV)",
                         params=[enum_query("format", ["json", "csv"],
                                            "json (default) or csv")],
                         responses={200: {"description": "{course_id, min_group, questions}, "
                                                         "or CSV with format=csv",
                                          "content": {
                                              "application/json": {
                                                  "schema": ref("EvaluationReport")},
                                              "text/csv": {"schema": {"type": "string"}}}},
                                    403: "Not an editor of this course",
                                    404: "No such course", 422: "Unknown format"}),
    },
}


def get_evaluation(item_id: int):
    actor = require_actor()
    item, enrollment = evaluations.evaluation_for_learner(actor, item_id)
    submitted = enrollment is not None and evaluations.has_submitted(actor, item.id,
                                                                     enrollment.edition)
    return {"item_id": item.id, "title": item.title, "submitted": submitted,
            "questions": [evaluations.question_json(q) for q in evaluations.questions_of(item.id)]}


def submit_evaluation(item_id: int):
    response = evaluations.submit(require_actor(), item_id, json_body().get("answers"))
    db.session.commit()
    return evaluations.response_json(response), 201


def add_evaluation_question(item_id: int):
    question = evaluations.add_question(require_actor(), item_id, json_body())
    db.session.commit()
    return evaluations.question_json(question), 201


def delete_evaluation_question(question_id: int):
    evaluations.delete_question(require_actor(), question_id)
    db.session.commit()
    return Response(status=204)


def course_evaluations(course_id: int):
    actor = require_actor()
    kind = request.args.get("format", "json")
    if kind not in ("json", "csv"):
        raise ValidationError("format is json or csv.", errors={"format": ["json or csv."]})
    if kind == "csv":
        return Response(evaluation_reports.evaluations_csv(actor, course_id), mimetype="text/csv",
                        headers={"Content-Disposition":
                                 f'attachment; filename="evaluations-{course_id}.csv"'})
    _course, summaries = evaluation_reports.course_evaluations(actor, course_id)
    return {"course_id": course_id, "min_group": evaluation_reports.MIN_GROUP,
            "questions": [summary.as_json() for summary in summaries]}


def register(bp: Blueprint) -> None:
    """Add the evaluation routes to the quizzes API blueprint."""
    bp.add_url_rule("/items/<int:item_id>/evaluation", view_func=get_evaluation,
                    methods=["GET"])
    bp.add_url_rule("/items/<int:item_id>/evaluation", view_func=submit_evaluation,
                    methods=["POST"])
    bp.add_url_rule("/items/<int:item_id>/evaluation/questions",
                    view_func=add_evaluation_question, methods=["POST"])
    bp.add_url_rule("/evaluation-questions/<int:question_id>",
                    view_func=delete_evaluation_question, methods=["DELETE"])
    bp.add_url_rule("/courses/<int:course_id>/evaluations", view_func=course_evaluations,
                    methods=["GET"])
