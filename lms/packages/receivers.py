"""Packages listen to catalog: an item of kind ``package`` has its ZIP unpacked when
it is created or given another file, in that request, so a bad package is refused
(422, nothing saved) while the instructor is still on the form. An item without a
file yet is fine, as a video without its recording is; the course cannot be
published until it has one (``catalog.authoring.publish_problems``)."""

from __future__ import annotations

from lms import signals, stored


def connect() -> None:
    stored.install()
    signals.item_created.connect(on_item_media)
    signals.item_media_changed.connect(on_item_media)


def on_item_media(item_id: int, *, item, **_) -> None:
    from lms.packages.scorm import package_for_item

    if item.kind == "package" and item.media_id is not None:
        package_for_item(item)
