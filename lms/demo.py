"""``flask lms demo``: a working site with sample courses and three accounts."""

from __future__ import annotations

import importlib.util

import click
from flask import current_app
from flask_migrate import upgrade

from lms import ROOT
from lms.accounts.cli import create_user
from lms.extensions import db

DEMO_ACCOUNTS = (
    ("admin@example.org", "Ada Admin", "admin", "demo-admin-pass"),
    ("instructor@example.org", "Ines Instructor", "instructor", "demo-teach-pass"),
    ("member@example.org", "Mo Member", "member", "demo-learn-pass"),
)


def import_sample_courses(owner) -> list[str]:
    """Import every course package under ``courses/`` (once the packages domain exists)."""
    if importlib.util.find_spec("lms.packages.service") is None:
        return []
    from lms.catalog.topics import seed_default_topics
    from lms.packages import service as packages

    seed_default_topics()  # the sample courses are filed under default topics
    titles = []
    for folder in sorted(path for path in (ROOT / "courses").iterdir() if path.is_dir()):
        course = packages.import_course_folder(owner, folder)
        titles.append(course.title)
    return titles


def run_demo() -> None:
    upgrade(directory=str(ROOT / "migrations"))
    users = [create_user(email, name, role, password)
             for email, name, role, password in DEMO_ACCOUNTS]
    db.session.commit()
    titles = import_sample_courses(users[1])
    db.session.commit()
    click.echo(f"Demo data ready in {current_app.config['SQLALCHEMY_DATABASE_URI']}")
    for title in titles:
        click.echo(f"  course: {title}")
    click.echo("Log in at http://127.0.0.1:5000/login with:")
    for email, _name, role, password in DEMO_ACCOUNTS:
        click.echo(f"  {role:<10} {email:<24} password: {password}")


def register(group) -> None:
    @group.command("demo")
    def demo_command() -> None:
        """Create the schema, sample courses and demo accounts (prints their logins)."""
        run_demo()
