"""Package commands: ``flask lms import-course PATH`` and ``flask lms export-course SLUG PATH``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.service import find_by_email
from lms.errors import DomainError
from lms.extensions import db
from lms.packages import service


def acting_user(email: str | None) -> User:
    """The member named by ``--owner``, or the first admin. Raises ClickException."""
    if email:
        user = find_by_email(email)
        if user is None:
            raise click.ClickException(f"No member has the email {email}.")
        return user
    admin = db.session.execute(
        select(User).where(User.is_admin.is_(True)).order_by(User.id).limit(1)).scalar()
    if admin is None:
        raise click.ClickException("There is no admin yet: create one with "
                                   "`flask lms create-user --role admin`, or pass --owner.")
    return admin


def fail(exc: DomainError) -> click.ClickException:
    db.session.rollback()
    messages = [m for ms in exc.errors.values() for m in ms] or [exc.detail]
    return click.ClickException(" ".join(dict.fromkeys(messages)))


def register(group: AppGroup) -> None:
    @group.command("import-course")
    @click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--owner", metavar="EMAIL",
                  help="Import as this instructor or admin (default: the first admin).")
    def import_course_command(path: Path, owner: str | None) -> None:
        """Create or update the course in the package folder PATH (re-import changes nothing)."""
        user = acting_user(owner)
        try:
            result = service.import_package(user, service.read_folder(path))
        except DomainError as exc:
            raise fail(exc) from None
        db.session.commit()
        for line in [*result.changes, *(f"Upload {name}" for name in result.uploads)]:
            click.echo(f"  {line}")
        for warning in result.warnings:
            click.echo(f"  warning: {warning}", err=True)
        verdict = "imported" if result.changed else "already up to date"
        click.echo(f"{result.course.slug}: {verdict} (course id {result.course.id}).")

    @group.command("export-course")
    @click.argument("slug")
    @click.argument("path", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--owner", metavar="EMAIL",
                  help="Export as this member (default: the first admin).")
    def export_course_command(slug: str, path: Path, owner: str | None) -> None:
        """Write the course SLUG as a package into the new or empty folder PATH."""
        try:
            written = service.export_course(acting_user(owner), slug, path)
        except DomainError as exc:
            raise fail(exc) from None
        click.echo(f"Wrote {len(written)} files to {path}.")
