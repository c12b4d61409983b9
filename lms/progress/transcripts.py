"""A video item's transcript: the supplied text, or one made from its captions.

The player lists the captions' cues (click to seek) and offers the transcript as
a plain-text download; a supplied transcript never replaces the cues.
"""

from __future__ import annotations

from lms.accounts.models import User
from lms.catalog.access import get_item_for_learner
from lms.catalog.models import Item
from lms.errors import NotFound
from lms.media import webvtt
from lms.media.rules import MAX_CAPTIONS_BYTES


def caption_cues(item: Item) -> list[webvtt.Cue]:
    """The lines of the item's first captions track (none if the store can't give it)."""
    from lms.storage import StorageError, get_storage

    if not item.captions:
        return []
    try:
        with get_storage().open(item.captions[0].media.storage_key) as handle:
            raw = handle.read(MAX_CAPTIONS_BYTES)
    except StorageError:
        return []
    return webvtt.parse(raw.decode("utf-8", errors="replace"))


def supplied_text(item: Item) -> str:
    """The transcript typed in the studio or shipped in a course package ("" when none)."""
    text = item.transcript.strip("\n") if item.kind == "video" else ""
    return f"{text}\n" if text.strip() else ""


def transcript_text(item: Item, cues: list[webvtt.Cue]) -> str:
    """The downloadable transcript: the supplied one, else one line per cue with its time."""
    return supplied_text(item) or "".join(f"[{cue.label}] {_spoken(cue)}\n" for cue in cues)


def _spoken(cue: webvtt.Cue) -> str:
    return f"{cue.voice}: {cue.words}" if cue.voice else cue.words


def transcript_file(user: User | None, item_id: int) -> tuple[str, str]:
    """A video item's transcript as (file name, text), for whoever may open the item
    (enrolled members, its course's editors, staff).

    Raises NotFound (no such item, or nothing to make a transcript from),
    Unauthorized, Forbidden.
    """
    item, _ = get_item_for_learner(user, item_id, with_captions=True)
    text = transcript_text(item, caption_cues(item)) if item.kind == "video" else ""
    if not text:
        raise NotFound("This item has no transcript.")
    return f"{item.module.course.title} - {item.title} (transcript).txt", text
