"""Live webinar commands: the reminders, run every few minutes from cron."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.extensions import db


def register(group: AppGroup) -> None:
    live = AppGroup("live", help="Live webinars: reminders.")
    group.add_command(live)

    @live.command("send-reminders")
    def send_reminders_command() -> None:
        """Queue the reminders due now (24 hours and 1 hour before); each goes out once."""
        from lms.live.notify import queue_reminders

        count = queue_reminders()
        db.session.commit()
        click.echo(f"queued reminders for {count} session{'s' if count != 1 else ''}")
