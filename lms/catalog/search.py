"""Full-text search of courses: SQLite FTS5 or PostgreSQL text search behind one function.

User input never reaches either engine's query syntax as it is: :func:`parse`
keeps words (Unicode letters and digits), ``"quoted phrases"``, ``or`` between
terms and ``-word`` exclusions (the subset of web-search syntax PostgreSQL's
``websearch_to_tsquery`` understands), and each engine gets a query rendered
from that parse, so quotes, brackets, ``NEAR``, ``*`` or column filters can
never cause a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, column, func, literal_column, select, table, text

from lms.catalog.models import Course, search_document

MAX_TERMS = 12
MAX_WORD_LENGTH = 60
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")

_fts = table("course_fts", column("rowid"))
_FTS_TABLE = literal_column("course_fts")
#: bm25 weights, in the FTS5 column order: title, summary, description, presenters.
_BM25_WEIGHTS = (10.0, 4.0, 1.0, 4.0)


@dataclass
class ParsedQuery:
    """A query as AND-ed clauses of OR-ed terms; a term is one word or a phrase."""

    clauses: list[list[tuple[str, ...]]] = field(default_factory=list)
    excluded: list[tuple[str, ...]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.clauses)


def _words(chunk: str) -> tuple[str, ...]:
    return tuple(word[:MAX_WORD_LENGTH] for word in _WORD.findall(chunk))


def parse(q: str | None) -> ParsedQuery:
    """Parse free text into safe terms; anything that is not a word is dropped."""
    parsed = ParsedQuery()
    pending_or = False
    count = 0
    for match in _CHUNK.finditer(q or ""):
        negate, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            pending_or = bool(parsed.clauses)
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negate, bare = "-", bare[1:]
        term = _words(phrase if phrase is not None else bare)
        if not term or count >= MAX_TERMS:
            continue
        count += 1
        if negate:
            parsed.excluded.append(term)
        elif pending_or:
            parsed.clauses[-1].append(term)
        else:
            parsed.clauses.append([term])
        pending_or = False
    return parsed


def to_fts5(parsed: ParsedQuery) -> str:
    """Render for SQLite FTS5: every term a double-quoted phrase of plain words."""

    def phrase(term: tuple[str, ...]) -> str:
        return '"' + " ".join(term) + '"'

    clauses = ["(" + " OR ".join(phrase(t) for t in clause) + ")" for clause in parsed.clauses]
    return " AND ".join(clauses) + "".join(f" NOT {phrase(t)}" for t in parsed.excluded)


def to_websearch(parsed: ParsedQuery) -> str:
    """Render for PostgreSQL ``websearch_to_tsquery`` from the same parse."""

    def phrase(term: tuple[str, ...]) -> str:
        return term[0] if len(term) == 1 else '"' + " ".join(term) + '"'

    clauses = [" or ".join(phrase(t) for t in clause) for clause in parsed.clauses]
    return " ".join(clauses + [f"-{phrase(t)}" for t in parsed.excluded])


def apply_search(stmt: Select, q: str | None, dialect: str) -> tuple[Select, ColumnElement | None]:
    """Restrict ``stmt`` (a select of Course) to matches of ``q``.

    Returns the statement and an expression to ORDER BY for best matches first,
    or ``(stmt, None)`` unchanged when ``q`` holds no searchable word.
    """
    parsed = parse(q)
    if not parsed:
        return stmt, None
    if dialect == "postgresql":
        query = func.websearch_to_tsquery(text("'english'"), to_websearch(parsed))
        document = search_document()
        return stmt.where(document.op("@@")(query)), func.ts_rank(document, query).desc()
    # bm25() works only next to its MATCH, so rank inside a subquery and join on it.
    matches = (select(_fts.c.rowid.label("course_id"),
                      func.bm25(_FTS_TABLE, *_BM25_WEIGHTS).label("rank"))
               .where(_FTS_TABLE.op("MATCH")(to_fts5(parsed))).subquery("fts_match"))
    stmt = stmt.join(matches, matches.c.course_id == Course.id)
    return stmt, matches.c.rank.asc()
