"""Full-text search of a course's threads (titles and post bodies), as the catalog searches.

The same safe parse as :mod:`lms.catalog.search` (user input never reaches either
engine's query syntax), rendered for SQLite FTS5 or PostgreSQL ``websearch_to_tsquery``.
A thread matches when its title or any of its visible posts does.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, func, literal_column, or_, select, text

from lms.catalog.search import parse, to_fts5, to_websearch
from lms.discussions.models import Post, Thread, post_document, thread_document

_POST_FTS = literal_column("post_fts")
_THREAD_FTS = literal_column("thread_fts")


def apply(stmt: Select, q: str | None, dialect: str) -> tuple[Select, ColumnElement | None]:
    """Restrict ``stmt`` (a select over Thread) to matches of ``q``.

    Returns the statement and an ORDER BY expression putting title matches first,
    or ``(stmt, None)`` when ``q`` holds no searchable word.
    """
    parsed = parse(q)
    if not parsed:
        return stmt, None
    if dialect == "postgresql":
        query = func.websearch_to_tsquery(text("'english'"), to_websearch(parsed))
        in_title = thread_document().op("@@")(query)
        in_posts = Thread.id.in_(select(Post.thread_id).where(
            post_document().op("@@")(query), Post.status == "visible"))
    else:
        match = to_fts5(parsed)
        in_title = Thread.id.in_(select(literal_column("rowid")).select_from(
            text("thread_fts")).where(_THREAD_FTS.op("MATCH")(match)))
        matching_posts = select(literal_column("rowid")).select_from(text("post_fts")).where(
            _POST_FTS.op("MATCH")(match))
        in_posts = Thread.id.in_(select(Post.thread_id).where(
            Post.id.in_(matching_posts), Post.status == "visible"))
    return stmt.where(or_(in_title, in_posts)), in_title.desc()
