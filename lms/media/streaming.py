"""HLS playlists of a video's renditions, written by the app for each viewer.

The master playlist lists the video variants (lowest first) and the audio-only
variant; each variant playlist is the one ffmpeg wrote (kept in the database)
with its segment names replaced by URLs: presigned GETs of the store in S3
mode, so segment bytes never pass through the app, or the app's own file route
in local mode. Playlists are small; segments are not.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from lms import memo
from lms.errors import NotFound
from lms.media.models import MediaAsset, MediaRendition
from lms.media.storecalls import store
from lms.storage import get_storage

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
STREAM_KINDS = ("hls", "audio")


def streams(asset: MediaAsset) -> list[MediaRendition]:
    """The HLS variants of a video with ready renditions, video lowest first, audio last."""
    if asset.renditions_status != "ready":
        return []
    rows = [r for r in asset.renditions if r.kind in STREAM_KINDS]
    return sorted(rows, key=lambda r: (r.kind == "audio", r.bitrate))


def rendition_file(asset: MediaAsset, kind: str) -> MediaRendition | None:
    """The ``m4a`` audio or the ``poster`` of a video with ready renditions."""
    if asset.renditions_status != "ready":
        return None
    return next((r for r in asset.renditions if r.kind == kind), None)


def master_playlist(asset: MediaAsset, variant_url: Callable[[str], str]) -> str:
    """The master playlist. Raises NotFound while there are no renditions."""
    variants = streams(asset)
    if not variants:
        raise NotFound("This video has no streaming renditions yet; play the original.")
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in variants:
        attributes = f"BANDWIDTH={variant.bitrate},CODECS=\"{variant.codecs}\""
        if variant.height:
            attributes += f",RESOLUTION={variant.width}x{variant.height}"
        lines += [f"#EXT-X-STREAM-INF:{attributes}", variant_url(variant.name)]
    return "\n".join(lines) + "\n"


#: Variant playlists as written, per media and variant. Signed URLs are reused for a
#: third of their lifetime, so a member's playlist always has 2/3 of it left.
_written: memo.StampedCache[str] = memo.StampedCache(size=512)


def variant_playlist(asset: MediaAsset, name: str,
                     local_url: Callable[[str], str]) -> str:
    """A variant playlist whose segments point at the store (S3) or the app (local).

    The same text serves every viewer for a while (the URLs carry no viewer's
    identity; access was checked before). Raises NotFound (no such variant),
    Unavailable (the store cannot sign).
    """
    storage = get_storage()
    reuse = max(1, int(getattr(storage, "presign_seconds", 3600)) // 3)
    stamp = (asset.storage_key, asset.renditions_status, int(time.time() // reuse))
    return _written.get((asset.id, name, storage.name), stamp,
                        lambda: _write_variant(asset, name, local_url))


def _write_variant(asset: MediaAsset, name: str, local_url: Callable[[str], str]) -> str:
    variant = find_variant(asset, name)
    text = variant.playlist or ""
    lines = text.splitlines()
    positions = [i for i, line in enumerate(lines) if line and not line.startswith("#")]
    keys = [f"{asset.rendition_prefix}/{name}/{lines[i]}" for i in positions]
    with store():
        signed = get_storage().presigned_gets(keys)
    urls = signed if signed is not None else [local_url(lines[i]) for i in positions]
    for i, url in zip(positions, urls, strict=True):
        lines[i] = url
    return "\n".join(lines) + "\n"


def find_variant(asset: MediaAsset, name: str) -> MediaRendition:
    variant = next((r for r in streams(asset) if r.name == name), None)
    if variant is None:
        raise NotFound("No such rendition.")
    return variant


def segment_key(asset: MediaAsset, name: str, segment: str) -> str:
    """The store key of a segment listed in variant ``name``. Raises NotFound."""
    variant = find_variant(asset, name)
    if segment not in (variant.playlist or "").splitlines() or segment.startswith("#"):
        raise NotFound("No such segment.")
    return f"{asset.rendition_prefix}/{name}/{segment}"


def renditions_json(asset: MediaAsset, variant_url: Callable[[str], str]) -> list[dict]:
    """API.md's ``renditions``: ``{kind, bitrate, url}`` of each variant (plus its size)."""
    return [{"kind": r.kind, "bitrate": r.bitrate, "url": variant_url(r.name),
             "name": r.name, "height": r.height} for r in streams(asset)]


def player_sources(asset: MediaAsset | None) -> dict:
    """What the player may use besides the original: the master playlist, the audio-only
    playlist, the audio file and the poster (each None until renditions are ready)."""
    none = {"hls_url": None, "audio_hls_url": None, "audio_file_url": None, "poster_url": None}
    if asset is None or asset.renditions_status != "ready":
        return none
    base = f"/api/v1/media/{asset.id}"
    names = {r.name for r in streams(asset)}
    return {
        "hls_url": f"{base}/hls.m3u8" if names else None,
        "audio_hls_url": f"{base}/hls/audio/index.m3u8" if "audio" in names else None,
        "audio_file_url": f"{base}/audio.m4a" if rendition_file(asset, "m4a") else None,
        "poster_url": f"{base}/poster.jpg" if rendition_file(asset, "poster") else None,
    }
