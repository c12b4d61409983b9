"""``flask lms lrs status`` and ``flask lms lrs forward``: the LRS forwarding, for operators;
``flask lms lti create-key``: the LTI tool's signing key."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.standards import lti_keys
from lms.standards.service import forward_backlog, status


def register(group: AppGroup) -> None:
    lrs_group = AppGroup("lrs", help="Forwarding of the learning record to an external LRS.")
    group.add_command(lrs_group)

    @lrs_group.command("status")
    def status_command() -> None:
        """Show the LRS, the last event it accepted, and how many events wait."""
        now = status()
        click.echo(f"LRS: {now.url or 'not set (LMS_LRS_URL)'}")
        click.echo(f"last forwarded event: {now.last_event_id} "
                   f"({now.forwarded} statements sent, last at "
                   f"{now.last_forwarded_at.isoformat() if now.last_forwarded_at else 'never'})")
        click.echo(f"backlog: {now.backlog} events")
        if now.last_error:
            click.echo(f"last error ({now.last_error_at.isoformat()}): {now.last_error}")

    @lrs_group.command("forward")
    def forward_command() -> None:
        """Send the backlog now, in this process (after an outage longer than the retries)."""
        if status().url is None:
            raise click.ClickException("LMS_LRS_URL is not set.")
        click.echo(f"sent {forward_backlog()} statements")

    lti_group = AppGroup("lti", help="The LTI 1.3 tool.")
    group.add_command(lti_group)

    @lti_group.command("create-key")
    def create_key_command() -> None:
        """Create the tool's RSA signing key (once, before platforms are registered)."""
        path = lti_keys.key_file()
        if path.exists():
            raise click.ClickException(f"{path} exists already; platforms may hold its key.")
        click.echo(f"created key {lti_keys.write_new_key(path, exclusive=True)} in {path}")
