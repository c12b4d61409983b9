"""Discussion commands: the daily digest (run it once a day from cron or a scheduler)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.extensions import db


def register(group: AppGroup) -> None:
    discussions = AppGroup("discussions", help="Discussions: the daily digest.")
    group.add_command(discussions)

    @discussions.command("send-digest")
    @click.option("--queue/--now", "queued", default=True, show_default=True,
                  help="Queue the digest as a background job (once per day), or send now.")
    def send_digest_command(queued: bool) -> None:
        """Mail daily-digest members the replies and answers since their last digest.

        Schedule it daily, e.g. cron: ``0 6 * * * flask --app wsgi lms discussions
        send-digest``. Running it twice sends nothing twice.
        """
        from lms.discussions import notify

        if queued:
            notify.queue_digest()
            db.session.commit()
            click.echo("digest queued")
            return
        count = notify.send_digests()
        db.session.commit()
        click.echo(f"sent {count} digest{'s' if count != 1 else ''}")
