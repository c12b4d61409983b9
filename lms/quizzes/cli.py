"""``flask lms quiz-import`` / ``quiz-export``: GIFT files in and out of a quiz item.

Commands act as a named editor of the course (``--as``), so the builder's checks apply.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.errors import DomainError
from lms.extensions import db
from lms.quizzes import builder


def editor(email: str) -> User:
    user = db.session.execute(
        select(User).where(func.lower(User.email) == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No member with the email {email}.")
    return user


def _explained(error: DomainError) -> str:
    """The refusal and every message under it, one a line."""
    lines = [message for messages in error.errors.values() for message in messages]
    return "\n".join([error.detail, *(f"  {line}" for line in lines if line != error.detail)])


def register(group: AppGroup) -> None:
    @group.command("quiz-import")
    @click.argument("item_id", type=int)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--as", "email", required=True, help="Email of an editor of the course.")
    def quiz_import(item_id: int, path: Path, email: str) -> None:
        """Add the questions of a GIFT file to a quiz item."""
        try:
            added = builder.import_gift(editor(email), item_id,
                                        path.read_text(encoding="utf-8-sig")).questions
        except DomainError as exc:
            raise click.ClickException(_explained(exc)) from None
        db.session.commit()
        click.echo(f"Imported {len(added)} questions into item {item_id}.")

    @group.command("quiz-export")
    @click.argument("item_id", type=int)
    @click.option("--as", "email", required=True, help="Email of an editor of the course.")
    def quiz_export(item_id: int, email: str) -> None:
        """Print a quiz item's questions as GIFT."""
        try:
            click.echo(builder.export_gift(editor(email), item_id), nl=False)
        except DomainError as exc:
            raise click.ClickException(exc.detail) from None
