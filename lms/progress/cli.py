"""Progress commands: export the learning record."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from lms.progress.record import iter_statements


def register(group: AppGroup) -> None:
    @group.command("export-statements")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
    def export_statements(path: str) -> None:
        """Write every xAPI statement to PATH as JSON lines ("-" for standard output)."""
        count = 0
        with click.open_file(path, "w", encoding="utf-8") as out:
            for statement in iter_statements():
                out.write(json.dumps(statement, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        click.echo(f"Wrote {count} statements to {path}.", err=True)
