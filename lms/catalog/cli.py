"""Catalog commands: ``flask lms topics`` seeds the default topics and lists them."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.catalog import topics
from lms.extensions import db


def register(group: AppGroup) -> None:
    @group.command("topics")
    def topics_command() -> None:
        """Create the default catalog topics that are missing, then list every topic."""
        created = topics.seed_default_topics()
        db.session.commit()
        click.echo(f"Created {len(created)} topic(s).")
        for topic in topics.list_topics():
            click.echo(f"{topic.slug}\t{topic.name}")
