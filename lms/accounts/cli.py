"""Account commands: create-user."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.accounts import service
from lms.errors import DomainError
from lms.extensions import db


def create_user(email: str, name: str, role: str, password: str) -> service.User:
    """Create (or update the roles of) a user; shared by create-user and demo."""
    user = service.find_by_email(email)
    if user is None:
        user = service.register_member(service.Registration(email=email, password=password,
                                                            name=name))
    user.is_instructor = user.is_instructor or role in ("instructor", "admin")
    user.is_admin = user.is_admin or role == "admin"
    db.session.flush()
    return user


def register(group: AppGroup) -> None:
    @group.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice(["member", "instructor", "admin"]),
                  default="member", show_default=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    def create_user_command(email: str, name: str, role: str, password: str) -> None:
        """Create a user with a role (prompts for the password when omitted)."""
        try:
            user = create_user(email, name, role, password)
        except DomainError as exc:
            messages = [m for ms in exc.errors.values() for m in ms] or [exc.detail]
            raise click.ClickException(" ".join(messages)) from None
        db.session.commit()
        click.echo(f"{user.email}: {', '.join(user.roles)}")
