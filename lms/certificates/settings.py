"""The organisation's certificate settings: name, signatory, page size and images.

Images (logo, signature) are uploaded through storage under server-made keys;
they are checked by their first bytes (PNG or JPEG) and size before storing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from lms.accounts.models import User
from lms.certificates.models import PAGE_SIZES, CertificateSettings
from lms.certificates.pdf import PdfSettings
from lms.errors import Forbidden, Unavailable, ValidationError
from lms.extensions import db, utcnow
from lms.storage import StorageError, get_storage, new_key
from lms.stored import track_stored
from lms.text import TextError, clean_text

MAX_IMAGE_BYTES = 2 * 1024 * 1024
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
_IMAGE_CACHE = "lms_certificate_images"


@dataclass(frozen=True)
class SettingsChange:
    org_name: str
    signatory_name: str = ""
    signatory_title: str = ""
    page_size: str = "letter"
    logo: bytes | None = None
    signature: bytes | None = None
    remove_logo: bool = False
    remove_signature: bool = False


def current_settings() -> CertificateSettings:
    """The settings row, or unsaved defaults (organisation name from ``ORG_NAME``)."""
    row = db.session.get(CertificateSettings, 1)
    if row is None:
        row = CertificateSettings(id=1, org_name=current_app.config.get("ORG_NAME", ""),
                                  signatory_name="", signatory_title="", page_size="letter")
    return row


def pdf_settings() -> PdfSettings:
    """What the PDF renderer needs, images read from storage (cached by key).

    Raises StorageError when an image cannot be read.
    """
    row = current_settings()
    return PdfSettings(org_name=row.org_name, signatory_name=row.signatory_name,
                       signatory_title=row.signatory_title, logo=_image(row.logo_key),
                       signature=_image(row.signature_key),
                       page_size="a4" if row.page_size == "a4" else "letter")


def _image(key: str | None) -> bytes | None:
    """Image bytes; keys are never reused for other bytes, so caching by key is safe."""
    if not key:
        return None
    cache = current_app.extensions.setdefault(_IMAGE_CACHE, {})
    if key not in cache:
        with get_storage().open(key) as stream:
            cache[key] = stream.read(MAX_IMAGE_BYTES + 1)
    return cache[key]


def image_type(data: bytes) -> str | None:
    """``image/png`` or ``image/jpeg`` from the magic bytes, else None."""
    return next((kind for magic, kind in IMAGE_TYPES.items() if data.startswith(magic)), None)


def update_settings(actor: User, change: SettingsChange, *,
                    now: datetime | None = None) -> CertificateSettings:
    """Save the settings (admin only); new images are stored first.

    Raises Forbidden (not admin), ValidationError (bad fields or images),
    Unavailable (images could not be stored).
    """
    if not actor.is_admin:
        raise Forbidden("Only site staff can change certificate settings.")
    texts = _validate(change)
    row = current_settings()
    row.org_name, row.signatory_name = texts["org_name"], texts["signatory_name"]
    row.signatory_title = texts["signatory_title"]
    row.page_size = change.page_size
    row.logo_key = _replace_image(row.logo_key, change.logo, change.remove_logo, "logo")
    row.signature_key = _replace_image(row.signature_key, change.signature,
                                       change.remove_signature, "signature")
    row.updated_at, row.updated_by_id = now or utcnow(), actor.id
    db.session.add(row)
    db.session.flush()
    return row


#: The texts printed on every certificate, and what to say when one is missing or too long.
_TEXTS = {"org_name": "Give the organisation's name (up to 200 characters).",
          "signatory_name": "Up to 200 characters.", "signatory_title": "Up to 200 characters."}


def _validate(change: SettingsChange) -> dict[str, str]:
    """The texts, cleaned by :func:`lms.text.clean_text`; ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    texts: dict[str, str] = {}
    for name, message in _TEXTS.items():
        try:
            texts[name] = clean_text(getattr(change, name), max_length=200,
                                     required=name == "org_name")
        except TextError as exc:
            plain = str(exc) in ("This field is required.", "At most 200 characters.")
            errors[name] = [message if plain else str(exc)]
    if change.page_size not in PAGE_SIZES:
        errors["page_size"] = ["Choose Letter or A4."]
    for name in ("logo", "signature"):
        message = _image_problem(getattr(change, name))
        if message:
            errors[name] = [message]
    if errors:
        raise ValidationError("Please correct the settings.", errors=errors)
    return texts


def _image_problem(data: bytes | None) -> str | None:
    if data is None:
        return None
    if len(data) > MAX_IMAGE_BYTES:
        return f"The image is too large (at most {MAX_IMAGE_BYTES // 1024} KB)."
    if image_type(data) is None:
        return "Upload a PNG or JPEG image."
    return None


def _replace_image(old_key: str | None, data: bytes | None, remove: bool,
                   label: str) -> str | None:
    """Store new bytes under a fresh key; old objects stay (old PDFs were drawn with them)."""
    if data is not None:
        kind = image_type(data) or "application/octet-stream"
        try:
            key = get_storage().save(new_key(f"certificate-{label}"), io.BytesIO(data), kind).key
        except StorageError as exc:
            raise Unavailable("The image could not be stored. Try again soon.") from exc
        track_stored(key)
        return key
    return None if remove else old_key
