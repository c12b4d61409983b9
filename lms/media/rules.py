"""What a media upload must be: allowed types, names, sizes, and the refusal raised after storing.

Plain checks shared by the simple upload (``service``) and the multipart flow
(``uploads``); no database and no store.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from flask import current_app

from lms.errors import DomainError, UnsupportedType, ValidationError
from lms.media import probe

#: Captions are read whole to convert them; nobody writes 5 MiB of subtitles.
MAX_CAPTIONS_BYTES = 5 * 1024 * 1024
MAX_NAME = 255


class UploadFailed(DomainError):
    """The upload was refused after its bytes were stored; the asset is now ``failed``."""

    status = 400
    title = "Upload refused"


class ContentMismatch(UploadFailed):
    status = 415
    title = "Unsupported type"


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_BYTES"])


def too_large_message() -> str:
    return f"Files can be at most {human_size(max_upload_bytes())}."


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def mismatch_message(kind: probe.FileType) -> str:
    return (
        f"The file's contents are not {kind.content_type}, the type it was sent as. "
        "Check you chose the right file."
    )


def allowed_type(filename: str, claimed_type: str | None) -> probe.FileType:
    """The allowed type of an upload. Raises UnsupportedType."""
    if claimed_type is not None and not isinstance(claimed_type, str):
        raise ValidationError("Give the file's type.", errors={
            "content_type": ["Give a content type, such as video/mp4, as text."]})
    kind = probe.resolve_type(filename, claimed_type)
    if kind is None:
        raise UnsupportedType(
            f"{claimed_type or 'That type'} is not accepted. Upload MP4 or WebM video, MP3 or M4A "
            "audio, PDF or PowerPoint (PPTX) slides, WebVTT or SRT captions, PNG or JPEG "
            "images, or SCORM or cmi5 packages (ZIP)."
        )
    return kind


def clean_filename(filename: Any) -> str:
    """The file's base name without control characters; metadata only, never a key."""
    if not isinstance(filename, str):
        filename = ""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in base if ch.isprintable()).strip()
    if not name:
        raise ValidationError("Give the file's name.", errors={"filename": ["Required."]})
    if len(name) > MAX_NAME:
        stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix[:16]
        name = stem[: MAX_NAME - len(suffix)] + suffix
    return name
