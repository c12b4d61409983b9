"""Certificate commands: back-issue, render-missing, remind-expiring; credential keys."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from lms.accounts.models import User
from lms.errors import DomainError
from lms.extensions import db
from lms.storage import StorageError


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _staff(email: str) -> User:
    user = db.session.execute(db.select(User).where(User.email == email.lower())).scalar()
    if user is None or not user.is_admin:
        raise click.ClickException(f"{email} is not a staff account.")
    return user


def register(group: AppGroup) -> None:
    certificates = AppGroup("certificates", help="Certificates: back-issue, PDFs, reminders.")
    group.add_command(certificates)
    register_credentials(group)

    @certificates.command("back-issue")
    @click.argument("course_id", type=int)
    @click.option("--as", "email", required=True, help="Email of the staff member acting.")
    @click.option("--dry-run/--issue", default=True, show_default=True,
                  help="Only count (the default), or really issue.")
    def back_issue_command(course_id: int, email: str, dry_run: bool) -> None:
        """Issue certificates to members who completed COURSE_ID before they were enabled."""
        from lms.certificates.backissue import back_issue

        try:
            count = back_issue(_staff(email), course_id, dry_run=dry_run)
        except DomainError as exc:
            raise click.ClickException(exc.detail) from None
        db.session.commit()
        verb = "would issue" if dry_run else "issued"
        click.echo(f"{verb} {count} certificate{'s' if count != 1 else ''}")

    @certificates.command("render-missing")
    def render_missing_command() -> None:
        """Store the PDFs of certificates issued while storage was unavailable."""
        from lms.certificates.issuance import render_missing

        try:
            count = render_missing()
        except StorageError as exc:
            raise click.ClickException(f"storage unavailable: {exc}") from None
        db.session.commit()
        click.echo(f"stored {count} PDF{'s' if count != 1 else ''}")

    @certificates.command("remind-expiring")
    @click.option("--now", help="Pretend it is this moment (ISO 8601), e.g. for tests.")
    def remind_expiring_command(now: str | None) -> None:
        """Mail members whose certificate expires within 30 days (once each)."""
        from lms.certificates.lifecycle import remind_expiring

        count = remind_expiring(now=_parse_now(now))
        db.session.commit()
        click.echo(f"sent {count} reminder{'s' if count != 1 else ''}")


def register_credentials(group: AppGroup) -> None:
    credentials = AppGroup("credentials", help="Signed Open Badges credentials and their keys.")
    group.add_command(credentials)

    @credentials.command("rotate-key")
    def rotate_key_command() -> None:
        """Add a new signing key (creating the key file if needed); new credentials use it.

        Earlier keys stay in the file and in /.well-known/jwks.json, so every
        credential signed with them still verifies.
        """
        from lms.certificates.keys import key_file, rotate

        path = key_file()
        click.echo(f"new signing key {rotate(path)} in {path}")

    @credentials.command("issue-missing")
    def issue_missing_command() -> None:
        """Sign credentials for certificates issued before credentials existed."""
        from lms.certificates.credentials import issue_missing
        from lms.extensions import utcnow

        count = issue_missing(now=utcnow())
        db.session.commit()
        click.echo(f"issued {count} credential{'s' if count != 1 else ''}")
