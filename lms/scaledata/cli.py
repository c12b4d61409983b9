"""``flask lms seed-scale``: fill a database with synthetic data for benchmarks."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from lms.extensions import db
from lms.scaledata.plan import PASSWORD, SIZES, STAFF_EMAIL
from lms.scaledata.seed import COLUMNS, seed


def register(group: AppGroup) -> None:
    @group.command("seed-scale")
    @click.option("--size", type=click.Choice(list(SIZES)), default="small", show_default=True)
    @click.option("--seed", "seed_value", type=int, default=1, show_default=True,
                  help="The same seed always loads the same rows.")
    @click.option("--database-url", default=None,
                  help="Seed this database instead of the app's LMS_DATABASE_URL.")
    def seed_scale(size: str, seed_value: int, database_url: str | None) -> None:
        """Fill an empty database with synthetic members, courses and learning records."""
        engine = create_engine(database_url) if database_url else db.engine
        started = time.perf_counter()
        try:
            counts = seed(engine, SIZES[size], seed_value, _bar)
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            if database_url:
                engine.dispose()
        for name, count in counts.items():
            click.echo(f"{name:<18} {count:>10,}")
        skipped = [name for name in COLUMNS if name not in counts]
        if skipped:
            click.echo(f"Skipped (no such model yet): {', '.join(skipped)}")
        url = _safe(database_url or current_app.config["SQLALCHEMY_DATABASE_URI"])
        click.echo(f"Seeded {size} (seed {seed_value}) into {url} in "
                   f"{time.perf_counter() - started:.0f} s. Members log in as "
                   f"member<N>@example.org, staff as {STAFF_EMAIL}; password: {PASSWORD}")


def _bar(label: str, length: int):
    return click.progressbar(length=length, label=label, show_pos=True, width=30)


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
