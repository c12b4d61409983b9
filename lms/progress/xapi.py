"""xAPI statement shapes (pure): verbs, activity types and the video profile's extensions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "registered": ADL + "registered",
    "launched": ADL + "launched",
    "progressed": ADL + "progressed",
    "completed": ADL + "completed",
    "passed": ADL + "passed",
    "failed": ADL + "failed",
}
ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "video": "https://w3id.org/xapi/video/activity-type/video",
    "reading": "http://adlnet.gov/expapi/activities/lesson",
    "file": "http://adlnet.gov/expapi/activities/file",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "evaluation": "http://id.tincanapi.com/activitytype/survey",
    "session": "http://id.tincanapi.com/activitytype/webinar",
    "package": "http://adlnet.gov/expapi/activities/module",
}
VIDEO_EXT = "https://w3id.org/xapi/video/extensions/"


def played_segments(intervals: list[list[float]] | list[tuple[float, float]]) -> str:
    """The video profile's ``played-segments`` notation: ``0[.]12.5[,]30[.]45``."""
    return "[,]".join(f"{_num(start)}[.]{_num(end)}" for start, end in intervals)


def _num(value: float) -> str:
    return f"{round(value, 3):g}"


def video_result(intervals, progress: float, position: float) -> dict[str, Any]:
    return {"extensions": {VIDEO_EXT + "played-segments": played_segments(intervals),
                           VIDEO_EXT + "progress": round(progress, 3),
                           VIDEO_EXT + "time": round(position, 3)}}


def agent(user_id: int, name: str, home_page: str) -> dict[str, Any]:
    """An account-based agent: the member's id on this site, never their email."""
    return {"objectType": "Agent", "name": name,
            "account": {"homePage": home_page, "name": str(user_id)}}


def activity(iri: str, kind: str, title: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri,
            "definition": {"type": ACTIVITY_TYPES[kind], "name": {"en": title}}}


def statement(*, actor: dict, verb: str, obj: dict, timestamp: datetime,
              result: dict | None = None, parent: dict | None = None,
              extensions: dict | None = None) -> dict[str, Any]:
    """A complete xAPI statement with a fresh id."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()), "actor": actor,
        "verb": {"id": VERBS[verb], "display": {"en": verb}},
        "object": obj, "timestamp": timestamp.isoformat(),
    }
    if result:
        body["result"] = result
    context: dict[str, Any] = {}
    if parent:
        context["contextActivities"] = {"parent": [parent]}
    if extensions:
        context["extensions"] = extensions
    if context:
        body["context"] = context
    return body
