"""Reading media: which ready asset a user may see, and its bytes or store URL."""

from __future__ import annotations

from typing import BinaryIO

from lms.accounts.models import User
from lms.errors import NotFound
from lms.extensions import db
from lms.media.access import can_view
from lms.media.models import MediaAsset
from lms.media.storecalls import store
from lms.storage import ObjectInfo, get_storage


def get_content(actor: User | None, media_id: int) -> MediaAsset:
    """A ready asset whose content ``actor`` may read.

    Raises NotFound (missing, not ready, or not visible to the caller).
    """
    asset = db.session.get(MediaAsset, media_id)
    if asset is None or not asset.is_ready or not can_view(actor, asset):
        raise NotFound("No such media.")
    return asset


def download_url(asset: MediaAsset, *, inline: bool = True) -> str | None:
    """A short-lived URL of the store serving the asset, or None when the app serves it."""
    with store():
        return get_storage().download_url(
            asset.storage_key, asset.original_name, asset.content_type, inline=inline
        )


def open_content(asset: MediaAsset) -> tuple[BinaryIO, ObjectInfo]:
    """The asset's bytes as a stream (the caller closes it) and their metadata.

    Raises NotFound (bytes missing from the store), Unavailable.
    """
    return open_key(asset.storage_key)


def open_key(key: str) -> tuple[BinaryIO, ObjectInfo]:
    """A stored object's bytes and metadata. Raises NotFound, Unavailable."""
    storage = get_storage()
    with store():
        info = storage.head(key)
        if info is None:
            raise NotFound("The file of this media is missing from the store.")
        return storage.open(key), info


def get_media(actor: User | None, media_id: int) -> MediaAsset:
    """An asset's record: any status for its uploader and staff, ready ones for viewers.

    Raises NotFound.
    """
    asset = db.session.get(MediaAsset, media_id)
    if asset is None:
        raise NotFound("No such media.")
    mine = actor is not None and (actor.is_admin or asset.uploader_id == actor.id)
    if not mine and (not asset.is_ready or not can_view(actor, asset)):
        raise NotFound("No such media.")
    return asset
