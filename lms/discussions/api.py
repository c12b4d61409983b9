"""Discussions JSON API: threads, posts, votes, moderation, notification settings, directory."""

from __future__ import annotations

from flask import request

from lms.accounts.models import CAREER_STAGES, ORG_TYPES
from lms.apikit import api_blueprint, iso, json_body, listing, page_args, require_actor
from lms.discussions import directory, moderation, notify, reading, service
from lms.discussions.models import REPLY_MODES, THREAD_KINDS
from lms.errors import BadRequest
from lms.extensions import db
from lms.openapi import (
    TIMESTAMP,
    enum_query,
    identifier,
    listing_of,
    nullable,
    obj,
    operation,
    query,
    ref,
    text,
)

bp = api_blueprint("discussions_api", __name__)

COUNT = {"type": "integer", "minimum": 0}
SCHEMAS = {
    "ThreadSummary": obj(id="integer", title="string", kind={"enum": list(THREAD_KINDS)},
                         author="string", created_at=TIMESTAMP, posts=COUNT,
                         votes="integer", answered="boolean",
                         item_id=nullable({"type": "integer"}), locked="boolean",
                         announcement="boolean"),
    "Post": obj(id="integer", author="string", author_id="integer", body_html="string",
                created_at=TIMESTAMP, edited_at=nullable(TIMESTAMP), votes="integer",
                accepted="boolean", hidden="boolean", held="boolean",
                by_instructor={"type": "boolean", "description": "Written by an instructor "
                                                                 "of the course"}),
    "Thread": obj(id="integer", course_id="integer", title="string",
                  kind={"enum": list(THREAD_KINDS)}, author="string", created_at=TIMESTAMP,
                  item_id=nullable({"type": "integer"}), locked="boolean",
                  announcement="boolean", answered="boolean",
                  posts={"type": "array", "items": ref("Post")}),
    "Colleague": obj(id="integer", name="string",
                     expertise={"type": "array", "items": {"type": "string"}},
                     career_stage=nullable({"type": "string"}),
                     org_type=nullable({"type": "string"}),
                     teaches={"type": "array", "items": {"type": "string"}}),
    "NotificationSettings": obj(replies={"enum": list(REPLY_MODES)}, announcements="boolean"),
}
MEMBERS_ONLY = "Not a member of the course (or no such course)"

OPENAPI = {
    "/courses/{course_id}/threads": {
        "get": operation(
            "A course's discussion threads", paged=True, returns=listing_of(ref("ThreadSummary")),
            params=[query("item_id", {"type": "integer", "minimum": 1}, "Threads about one item"),
                    enum_query("kind", [*THREAD_KINDS, ""], "question or discussion"),
                    enum_query("sort", list(reading.SORTS), "recent (default), top or "
                                                            "unanswered (open questions)"),
                    query("q", {"type": "string", "maxLength": 200},
                          "Full-text search of titles and posts")],
            responses={200: "List of threads", 404: MEMBERS_ONLY,
                       422: "Bad kind or sort, or a search too long"}),
        "post": operation(
            "Start a thread (announce: instructors tell every member)", returns=ref("Thread"),
            body=obj(title=text(200, required=True), body=text(20000, required=True),
                     kind={"enum": list(THREAD_KINDS)}, item_id=identifier(optional=True,
                                                                           null=True),
                     announce="boolean?"),
            limited=True, creates="thread_id",
            responses={201: "Thread", 403: "Announcing without teaching the course",
                       404: MEMBERS_ONLY}),
    },
    "/threads/{thread_id}": {
        "get": operation("A thread with its posts", returns=ref("Thread"),
                         responses={200: "Thread", 404: MEMBERS_ONLY}),
    },
    "/threads/{thread_id}/posts": {
        "post": operation("Reply in a thread", returns=ref("Post"), limited=True,
                          body=obj(body=text(20000, required=True)), creates="post_id",
                          responses={201: "Post (held for review when the course asks)",
                                     404: MEMBERS_ONLY, 409: "The thread is locked"}),
    },
    "/threads/{thread_id}/lock": {
        "post": operation("Lock a thread (instructors, admin); locked: false unlocks",
                          returns=ref("Thread"), body=obj(locked="boolean?"), optional_body=True,
                          responses={200: "Thread", 403: "Not a moderator", 404: MEMBERS_ONLY}),
    },
    "/posts/{post_id}": {
        "patch": operation("Edit one's post (the earlier text is kept)", returns=ref("Post"),
                           body=obj(body=text(20000, required=True)),
                           responses={200: "Post", 403: "Not the author", 404: MEMBERS_ONLY}),
    },
    "/posts/{post_id}/vote": {
        "post": operation("Vote for a post; again removes the vote", returns=obj(votes="integer"),
                          responses={200: "{votes}", 403: "One's own post", 404: MEMBERS_ONLY}),
    },
    "/posts/{post_id}/accept": {
        "post": operation("Accept a post as the answer (asker or instructor)",
                          returns=ref("Thread"),
                          responses={200: "Thread", 403: "Neither asker nor instructor",
                                     404: MEMBERS_ONLY, 409: "The post is not visible"}),
    },
    "/posts/{post_id}/report": {
        "post": operation("Report a post to the moderators", returns=obj(reported="boolean"),
                          body=obj(reason=text(500, required=True)),
                          responses={201: "Reported", 404: MEMBERS_ONLY}),
    },
    "/posts/{post_id}/hide": {
        "post": operation("Hide a post from members (instructors, admin); hidden: false shows "
                          "it again", returns=ref("Post"), body=obj(hidden="boolean?"),
                          optional_body=True,
                          responses={200: "Post", 403: "Not a moderator", 404: MEMBERS_ONLY}),
    },
    "/me/notifications": {
        "get": operation("My notification settings and unread count",
                         returns=ref("NotificationSettings"), responses={200: "Settings"}),
        "put": operation("Set how I hear about discussions (a setting left out or null "
                         "stays as it was)", returns=ref("NotificationSettings"),
                         body=obj(replies={"enum": [*REPLY_MODES, None], "optional": True},
                                  announcements={"type": ["boolean", "null"],
                                                 "optional": True}),
                         responses={200: "Settings"}),
    },
    "/directory": {
        "get": operation(
            "Colleagues who opted in to the directory", paged=True,
            returns=listing_of(ref("Colleague")),
            params=[query("q", {"type": "string", "maxLength": 200}, "Name or expertise"),
                    query("expertise", {"type": "string", "maxLength": 80}, "One area"),
                    enum_query("career_stage", [*CAREER_STAGES, ""], "A career stage"),
                    enum_query("org_type", [*ORG_TYPES, ""], "An organisation type")],
            responses={200: "List of colleagues (never an email address)",
                       422: "Unknown career stage or organisation type, or a search too "
                            "long"}),
    },
    "/directory/{member_id}/messages": {
        "post": operation("Send a colleague a message, relayed by email (addresses stay "
                          "private)", body=obj(body=text(4000, required=True)),
                          returns=obj(id="integer"), limited=True,
                          responses={201: "Sent", 404: "Not in the directory",
                                     409: "Blocked, or to oneself"}),
    },
}


def _optional_bool(data: dict, name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false.")
    return value


def summary_json(row: reading.ThreadSummary) -> dict:
    return {"id": row.id, "title": row.title, "kind": row.kind, "author": row.author,
            "created_at": iso(row.created_at), "posts": row.posts, "votes": int(row.votes),
            "answered": bool(row.answered), "item_id": row.item_id, "locked": row.is_locked,
            "announcement": row.is_announcement}


def post_json(post: reading.PostView) -> dict:
    return {"id": post.id, "author": post.author, "author_id": post.author_id,
            "body_html": post.body_html, "created_at": iso(post.created_at),
            "edited_at": iso(post.edited_at), "votes": post.votes, "accepted": post.accepted,
            "hidden": post.hidden, "held": post.held, "by_instructor": post.by_instructor}


def thread_json(thread_id: int) -> dict:
    thread, posts, _place = reading.thread_page(require_actor(), thread_id)
    return {"id": thread.id, "course_id": thread.course_id, "title": thread.title,
            "kind": thread.kind, "author": thread.author.name,
            "created_at": iso(thread.created_at), "item_id": thread.item_id,
            "locked": thread.is_locked, "announcement": thread.is_announcement,
            "answered": thread.accepted_post_id is not None,
            "posts": [post_json(post) for post in posts]}


def one_post_json(post_id: int) -> dict:
    from lms.discussions.models import Post

    post = db.session.get(Post, post_id)
    _thread, posts, _place = reading.thread_page(require_actor(), post.thread_id)
    return post_json(next(view for view in posts if view.id == post_id))


def _positive_query_int(name: str) -> int | None:
    """The query parameter as a whole number from 1, or None when absent (else 400)."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"{name} must be a whole number from 1.")
    return int(raw)


@bp.get("/courses/<int:course_id>/threads")
def list_threads(course_id: int):
    page, per_page = page_args()
    item_id = _positive_query_int("item_id")
    rows, total, _place = reading.thread_list(
        require_actor(), course_id, item_id=item_id, kind=request.args.get("kind") or None,
        sort=request.args.get("sort") or "recent", q=request.args.get("q"), page=page,
        per_page=per_page)
    return listing([summary_json(row) for row in rows], total, page, per_page)


@bp.post("/courses/<int:course_id>/threads")
def create_thread(course_id: int):
    data = json_body()
    thread = service.create_thread(require_actor(), course_id, title=data.get("title"),
                                   body=data.get("body"), kind=data.get("kind"),
                                   item_id=data.get("item_id"),
                                   announce=_optional_bool(data, "announce", False))
    db.session.commit()
    return thread_json(thread.id), 201


@bp.get("/threads/<int:thread_id>")
def get_thread(thread_id: int):
    return thread_json(thread_id)


@bp.post("/threads/<int:thread_id>/posts")
def add_post(thread_id: int):
    post = service.add_post(require_actor(), thread_id, json_body().get("body"))
    db.session.commit()
    return one_post_json(post.id), 201


@bp.post("/threads/<int:thread_id>/lock")
def lock(thread_id: int):
    locked = _optional_bool(json_body(optional=True), "locked", True)
    moderation.set_locked(require_actor(), thread_id, locked)
    db.session.commit()
    return thread_json(thread_id)


@bp.patch("/posts/<int:post_id>")
def edit_post(post_id: int):
    service.edit_post(require_actor(), post_id, json_body().get("body"))
    db.session.commit()
    return one_post_json(post_id)


@bp.post("/posts/<int:post_id>/vote")
def vote(post_id: int):
    votes = service.vote(require_actor(), post_id)
    db.session.commit()
    return {"votes": votes}


@bp.post("/posts/<int:post_id>/accept")
def accept(post_id: int):
    thread = service.accept(require_actor(), post_id)
    db.session.commit()
    return thread_json(thread.id)


@bp.post("/posts/<int:post_id>/report")
def report(post_id: int):
    moderation.report(require_actor(), post_id, json_body().get("reason"))
    db.session.commit()
    return {"reported": True}, 201


@bp.post("/posts/<int:post_id>/hide")
def hide(post_id: int):
    hidden = _optional_bool(json_body(optional=True), "hidden", True)
    moderation.set_hidden(require_actor(), post_id, hidden)
    db.session.commit()
    return one_post_json(post_id)


@bp.get("/me/notifications")
def notification_settings():
    prefs = notify.preferences(require_actor().id)
    return {"replies": prefs.replies, "announcements": prefs.announcements}


@bp.put("/me/notifications")
def set_notification_settings():
    data = json_body()
    prefs = notify.set_preferences(require_actor(), replies=data.get("replies"),
                                   announcements=data.get("announcements"))
    db.session.commit()
    return {"replies": prefs.replies, "announcements": prefs.announcements}


@bp.get("/directory")
def list_directory():
    page, per_page = page_args()
    args = request.args
    colleagues, total = directory.search(
        require_actor(), q=args.get("q", ""), expertise=args.get("expertise", ""),
        career_stage=args.get("career_stage", ""), org_type=args.get("org_type", ""),
        page=page, per_page=per_page)
    return listing([colleague.__dict__ for colleague in colleagues], total, page, per_page)


@bp.post("/directory/<int:member_id>/messages")
def send_message(member_id: int):
    message = directory.send_message(require_actor(), member_id, json_body().get("body"))
    db.session.commit()
    return {"id": message.id}, 201
