"""Catalog topics (technology, collections, leadership …): listed for everyone, edited by staff."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.accounts.service import require_admin
from lms.catalog.models import Topic
from lms.errors import Conflict, NotFound, ValidationError
from lms.extensions import db

#: Seeded by ``flask lms topics``.
DEFAULT_TOPICS = (
    "Technology", "Collections", "Leadership", "Instruction", "Reference",
    "Cataloging & metadata", "Outreach", "Management", "DEI", "Archives",
)
MAX_NAME = 80


def topic_slug(name: str) -> str:
    """``"Cataloging & metadata"`` → ``"cataloging-metadata"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))[:60]


def list_topics() -> list[Topic]:
    """Every topic, by name."""
    return list(db.session.execute(select(Topic).order_by(func.lower(Topic.name))).scalars())


def create_topic(actor: User | None, name: str) -> Topic:
    """Add a topic. Raises Unauthorized/Forbidden (staff only), ValidationError, Conflict."""
    require_admin(actor)
    name, slug = _clean_name(name)
    _check_free(slug)
    topic = Topic(name=name, slug=slug)
    db.session.add(topic)
    db.session.flush()
    return topic


def rename_topic(actor: User | None, topic_id: int, name: str) -> Topic:
    """Rename a topic (its slug follows, so filter links use the new name).

    Raises Unauthorized/Forbidden, NotFound, ValidationError, Conflict.
    """
    require_admin(actor)
    topic = _get(topic_id)
    topic.name, slug = _clean_name(name)
    if slug != topic.slug:
        _check_free(slug)
        topic.slug = slug
    db.session.flush()
    return topic


def delete_topic(actor: User | None, topic_id: int) -> None:
    """Remove a topic from the catalog and from every course that had it.

    Raises Unauthorized/Forbidden, NotFound.
    """
    require_admin(actor)
    db.session.delete(_get(topic_id))
    db.session.flush()


def seed_default_topics() -> list[Topic]:
    """Create the default topics that do not exist yet; returns the ones created."""
    existing = set(db.session.execute(select(Topic.slug)).scalars())
    created = [Topic(name=name, slug=topic_slug(name)) for name in DEFAULT_TOPICS
               if topic_slug(name) not in existing]
    db.session.add_all(created)
    db.session.flush()
    return created


def _get(topic_id: int) -> Topic:
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        raise NotFound("No such topic.")
    return topic


def _clean_name(name: str | None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise ValidationError("Check the topic name.",
                              errors={"name": [f"Give a name of 1 to {MAX_NAME} characters."]})
    slug = topic_slug(name)
    if not slug:
        raise ValidationError("Check the topic name.",
                              errors={"name": ["Use at least one letter or digit (A–Z, 0–9)."]})
    return name, slug


def _check_free(slug: str) -> None:
    if db.session.execute(select(Topic.id).where(Topic.slug == slug)).first():
        message = "That topic exists already."
        raise Conflict(message, errors={"name": [message]})
