"""Hooks discussions places in lower domains: the directory's fields of ``PATCH /me``."""

from __future__ import annotations

from lms.accounts import profile_fields


def connect() -> None:
    from lms.discussions import directory

    profile_fields.register(profile_fields.ProfileFields(
        names=("directory_visible", "expertise"), update=directory.update_profile,
        describe=directory.describe))
