"""The ``flask lms`` command group; each domain and tool adds its commands from its ``cli.py``."""

from __future__ import annotations

from flask.cli import AppGroup

lms_group = AppGroup("lms", help="Core Learning administration.")


def register_domain_commands() -> None:
    import importlib

    from lms import TOOLS, backup, demo, domain_modules, restore
    from lms.jobs import cli as jobs_cli

    for module in domain_modules("cli"):
        module.register(lms_group)
    jobs_cli.register(lms_group)
    for tool in TOOLS:
        importlib.import_module(f"lms.{tool}.cli").register(lms_group)
    demo.register(lms_group)
    backup.register(lms_group)
    restore.register(lms_group)


register_domain_commands()
