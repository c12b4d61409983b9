"""The ``flask lms`` command group; each domain adds its commands from its ``cli.py``."""

from __future__ import annotations

from flask.cli import AppGroup

from lms.accounts import cli as accounts_cli

lms_group = AppGroup("lms", help="Core Learning administration.")
accounts_cli.register(lms_group)
