"""Media JSON API: simple uploads, the multipart upload flow, and content."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Response, jsonify, redirect, request, url_for

from lms.apikit import actor, api_blueprint, iso, json_body, require_actor
from lms.errors import BadRequest, NotFound
from lms.extensions import db
from lms.media import renditions, service, streaming, uploads
from lms.media.content import download_url, get_content, get_media
from lms.media.models import MEDIA_STATUSES, PUBLIC_STATUSES, MediaAsset
from lms.media.probe import GENERIC_TYPES, TYPES
from lms.media.serving import serve_local, serve_stored
from lms.media.storecalls import store
from lms.openapi import (
    TIMESTAMP,
    file_response,
    integer,
    json_response,
    nullable,
    obj,
    operation,
    ref,
    text,
)
from lms.openapi import redirect as redirect_response
from lms.storage import PartInfo, get_storage

bp = api_blueprint("media_api", __name__)

PART_HEADERS = {"Content-Type": "application/octet-stream"}
UPLOAD_FIELDS = obj(
    filename=text(minLength=1, description="The file's name; its extension decides the type "
                  "when content_type is generic"),
    content_type={"enum": [*sorted(TYPES), *sorted(GENERIC_TYPES)]},
    size=integer(1, description="Bytes (at most the configured maximum; captions 5 MiB)"))
FILE_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"]}}},
}
PART_BODY = {
    "required": True,
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}
PARTS = obj(parts={"type": "array", "items": obj(number=integer(1), etag=text(minLength=1))})
PART_NUMBER = {"name": "number", "in": "path", "required": True, "description": "From 1",
               "schema": {"type": "integer", "minimum": 1, "maximum": 10_000}}
STORE_DOWN = {503: "File store not answering"}
VARIANT = {"name": "variant", "in": "path", "required": True, "description": "e.g. 240p, audio",
           "schema": {"type": "string"}}
MEDIA = ref("Media")

SCHEMAS = {
    "Media": obj(id="integer", filename="string", content_type="string", kind="string",
                 size=nullable({"type": "integer"}), status={"enum": list(PUBLIC_STATUSES)},
                 duration_seconds=nullable({"type": "number"}),
                 failure_reason=nullable({"type": "string"}), content_url="string",
                 created_at=TIMESTAMP, ready_at=nullable(TIMESTAMP),
                 progress_percent=nullable({"type": "integer"}),
                 renditions={"type": "array", "items": obj(
                     kind={"enum": ["hls", "audio"]}, bitrate="integer", url="string",
                     name="string", height=nullable({"type": "integer"}))},
                 hls_url=nullable({"type": "string"}), audio_url=nullable({"type": "string"}),
                 poster_url=nullable({"type": "string"})),
    "Upload": obj(media_id="integer", status={"enum": list(MEDIA_STATUSES)}, filename="string",
                  content_type="string", size=nullable({"type": "integer"}),
                  part_size=nullable({"type": "integer"}), part_count=nullable({"type": "integer"}),
                  parts={"type": "array", "optional": True, "items": obj(
                      number="integer", etag="string", size="integer")}),
    "PartTarget": obj(url="string", method={"enum": ["PUT"]},
                      headers={"type": "object", "additionalProperties": {"type": "string"}}),
}

def _stored_file(summary: str, mimetype: str, found: str, missing: str, *,
                 params: list[dict] | None = None, partial: str | None = None) -> dict:
    """A rendition file read from the store: the bytes here, or a redirect to them (S3)."""
    answers = {200: file_response(mimetype, found),
               **({206: file_response(mimetype, partial)} if partial else {}),
               302: redirect_response("Redirect to a presigned URL of the store"),
               404: missing, 409: "Only locked items of your courses use it", **STORE_DOWN}
    return operation(summary, params=params, responses=answers)


OPENAPI = {
    "/media": {
        "post": operation(
            "Upload a small file (instructors)", returns=MEDIA, creates="media_id",
            responses={201: "Media {id, filename, content_type, size, status, duration_seconds}",
                       400: "No file, an empty file, or unreadable audio/video",
                       403: "Not an instructor", 413: "Too large",
                       415: "Type not allowed, or contents not of that type", **STORE_DOWN},
        ) | {"requestBody": FILE_BODY},
    },
    "/media/{media_id}/content": {
        "get": operation(
            "The file: S3 redirects to a short-lived URL; local honours Range",
            params=[{"name": "Range", "in": "header", "required": False,
                     "schema": {"type": "string"}, "description": "bytes=start-end"}],
            responses={
                200: file_response("*/*", "The whole file, in its own content type"),
                206: file_response("*/*", "Part of the file (Range), in its own content type"),
                302: redirect_response("Redirect to a presigned URL of the store"),
                404: "No such media, not ready, or not visible",
                409: "Only locked items of your courses use it",
                416: "Range not satisfiable", **STORE_DOWN,
            },
        ),
    },
    "/media/{media_id}": {
        "get": operation(
            "A media record: status (a ready video is processing while its renditions are "
            "made), renditions, duration", returns=MEDIA,
            responses={200: "Media", 404: "No such media, or not visible",
                       409: "Only locked items of your courses use it"}),
    },
    "/media/{media_id}/hls.m3u8": {
        "get": operation(
            "HLS master playlist: the video variants, lowest first, and an audio-only one",
            responses={200: file_response(streaming.PLAYLIST_TYPE, "The master playlist"),
                       404: "No such media, not visible, or no renditions yet",
                       409: "Only locked items of your courses use it"}),
    },
    "/media/{media_id}/hls/{variant}/index.m3u8": {
        "get": operation(
            "A variant playlist; its segment URLs are presigned URLs of the store (S3) or "
            "this API's segment route (local)", params=[VARIANT],
            responses={200: file_response(streaming.PLAYLIST_TYPE, "The variant playlist"),
                       404: "No such media, variant, or not visible",
                       409: "Only locked items of your courses use it", **STORE_DOWN}),
    },
    "/media/{media_id}/hls/{variant}/{segment}": {
        "get": _stored_file(
            "One segment (local storage; S3 redirects to a presigned URL)", "video/mp2t",
            "The segment", "No such media, segment, or not visible",
            params=[VARIANT, {"name": "segment", "in": "path", "required": True,
                              "schema": {"type": "string"}}],
            partial="Part of the segment (Range)"),
    },
    "/media/{media_id}/audio.m4a": {
        "get": _stored_file(
            "The video's sound as an AAC file to download (once renditions are made)",
            "audio/mp4", "The audio (an attachment)",
            "No such media, no audio rendition, or not visible"),
    },
    "/media/{media_id}/poster.jpg": {
        "get": _stored_file("A still of the video (once renditions are made)", "image/jpeg",
                            "The poster", "No such media, no poster, or not visible"),
    },
    "/media/{media_id}/renditions/retry": {
        "post": operation(
            "Make a video's renditions again after they failed (admins and the uploader)",
            returns=MEDIA,
            responses={200: "Media (status processing)", 403: "Not staff nor the uploader",
                       404: "No such video",
                       409: "Renditions not failed, or turned off on this server"}),
    },
    "/uploads": {
        "post": operation(
            "Start a resumable multipart upload (instructors)", body=UPLOAD_FIELDS,
            returns=ref("Upload"), creates="media_id=media_id",
            responses={201: "{media_id, part_size, part_count}", 403: "Not an instructor",
                       413: "Too large", 415: "Type not allowed (or not told by the name)",
                       422: "Invalid name or size", **STORE_DOWN},
        ),
    },
    "/uploads/{media_id}": {
        "get": operation(
            "Upload status and the parts already stored (for resuming)", returns=ref("Upload"),
            responses={200: "{media_id, status, size, part_size, part_count, parts}",
                       403: "Not an instructor", 404: "Not your upload", **STORE_DOWN},
        ),
        "delete": operation(
            "Cancel an upload; its parts and object are deleted",
            responses={204: "Cancelled", 400: "Already complete", 403: "Not an instructor",
                       404: "Not your upload", **STORE_DOWN},
        ),
    },
    "/uploads/{media_id}/parts/{number}": {
        "post": operation(
            "Where to PUT part n (from 1); the PUT's response has an ETag", params=[PART_NUMBER],
            returns=ref("PartTarget"),
            responses={200: "{url, method: PUT, headers}",
                       400: "Part number past the last part, or upload not pending",
                       403: "Not an instructor", 404: "Not your upload", **STORE_DOWN},
        ),
    },
    "/uploads/{media_id}/parts/{number}/data": {
        "put": operation(
            "Receive part n (local storage only; the URL comes from POST .../parts/n)",
            params=[PART_NUMBER], returns=obj(number="integer", etag="string"),
            responses={
                200: json_response("{number, etag}", obj(number="integer", etag="string"))
                | {"headers": {"ETag": {"required": True, "schema": {"type": "string"}}}},
                400: "Part number past the last part, upload not pending, or parts go to the "
                     "store",
                403: "Not an instructor", 404: "Not your upload",
                413: "Larger than the part size", **STORE_DOWN},
        ) | {"requestBody": PART_BODY | {"required": False}},
    },
    "/uploads/{media_id}/complete": {
        "post": operation(
            "Join the parts; checks size and type (a job reads the duration: "
            "duration_seconds is null until it has)",
            body=PARTS, returns=MEDIA,
            responses={200: "Media (status ready)",
                       400: "Parts missing or size differs",
                       403: "Not an instructor", 404: "Not your upload",
                       415: "Contents not of the declared type",
                       503: "File store not answering (nothing marked ready)"},
        ),
    },
}


def media_json(asset: MediaAsset) -> dict:
    status = renditions.public_status(asset)
    has = asset.renditions_status == "ready"
    return {
        "id": asset.id,
        "filename": asset.original_name,
        "content_type": asset.content_type,
        "kind": asset.kind,
        "size": asset.size,
        "status": status,
        "duration_seconds": asset.duration_seconds,
        "failure_reason": asset.failure_reason or (
            asset.renditions_error if asset.renditions_status == "failed" else None),
        "content_url": url_for("media_api.content", media_id=asset.id),
        "created_at": iso(asset.created_at),
        "ready_at": iso(asset.ready_at),
        "progress_percent": asset.renditions_percent if status == "processing" else None,
        "renditions": streaming.renditions_json(asset, lambda name: _variant_url(asset, name)),
        "hls_url": url_for("media_api.master_playlist", media_id=asset.id) if has else None,
        "audio_url": _file_url(asset, "m4a", "media_api.audio"),
        "poster_url": _file_url(asset, "poster", "media_api.poster"),
    }


def _variant_url(asset: MediaAsset, name: str) -> str:
    return url_for("media_api.variant_playlist", media_id=asset.id, variant=name)


def _file_url(asset: MediaAsset, kind: str, endpoint: str) -> str | None:
    if streaming.rendition_file(asset, kind) is None:
        return None
    return url_for(endpoint, media_id=asset.id)


def upload_json(asset: MediaAsset, parts: list[PartInfo] | None = None) -> dict:
    body = {
        "media_id": asset.id,
        "status": asset.status,
        "filename": asset.original_name,
        "content_type": asset.content_type,
        "size": asset.size,
        "part_size": asset.part_size,
        "part_count": asset.part_count,
    }
    if parts is not None:
        body["parts"] = [{"number": p.number, "etag": p.etag, "size": p.size} for p in parts]
    return body


@bp.post("/media")
def upload_media():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest(
            "Send the file in a multipart/form-data field named file.",
            errors={"file": ["Required."]},
        )
    with committing_failures():
        asset = service.upload_file(actor(), upload.filename, upload.mimetype, upload.stream)
    db.session.commit()
    return media_json(asset), 201


@bp.post("/uploads")
def start_upload():
    data = json_body()
    asset = uploads.start_upload(
        actor(), data.get("filename"), data.get("content_type"), data.get("size")
    )
    db.session.commit()
    return upload_json(asset), 201


@bp.get("/uploads/<int:media_id>")
def upload_status(media_id: int):
    asset, parts = uploads.upload_status(actor(), media_id)
    return upload_json(asset, parts)


@bp.delete("/uploads/<int:media_id>")
def abort_upload(media_id: int):
    uploads.abort_upload(actor(), media_id)
    db.session.commit()
    return "", 204


@bp.post("/uploads/<int:media_id>/parts/<int:number>")
def part_target(media_id: int, number: int):
    target = uploads.part_target(actor(), media_id, number)
    if target is None:
        url = url_for("media_api.put_part", media_id=media_id, number=number)
        return {"url": url, "method": "PUT", "headers": dict(PART_HEADERS)}
    return {"url": target.url, "method": target.method, "headers": target.headers}


@bp.put("/uploads/<int:media_id>/parts/<int:number>/data")
def put_part(media_id: int, number: int):
    etag = uploads.store_part(actor(), media_id, number, request.stream, request.content_length)
    response = jsonify(number=number, etag=etag)
    response.set_etag(etag)
    return response


@bp.post("/uploads/<int:media_id>/complete")
def complete_upload(media_id: int):
    data = json_body()
    with committing_failures():
        asset = uploads.complete_upload(actor(), media_id, data.get("parts"))
    answer = media_json(asset)  # as decided here; the duration job runs after the commit
    db.session.commit()
    return answer


@bp.get("/media/<int:media_id>/content")
def content(media_id: int):
    asset = get_content(require_actor(), media_id)
    url = download_url(asset)
    if url:
        return redirect(url, 302)
    return serve_local(asset)


@bp.get("/media/<int:media_id>")
def media_detail(media_id: int):
    return media_json(get_media(require_actor(), media_id))


@bp.get("/media/<int:media_id>/hls.m3u8")
def master_playlist(media_id: int):
    asset = get_content(require_actor(), media_id)
    text = streaming.master_playlist(asset, lambda name: f"hls/{name}/index.m3u8")
    return playlist_response(text)


@bp.get("/media/<int:media_id>/hls/<variant>/index.m3u8")
def variant_playlist(media_id: int, variant: str):
    asset = get_content(require_actor(), media_id)
    text = streaming.variant_playlist(asset, variant, lambda segment: segment)
    return playlist_response(text)


@bp.get("/media/<int:media_id>/hls/<variant>/<segment>")
def segment(media_id: int, variant: str, segment: str):
    asset = get_content(require_actor(), media_id)
    key = streaming.segment_key(asset, variant, segment)
    return _stored_file(key, segment, "video/mp2t", inline=True)


@bp.get("/media/<int:media_id>/audio.m4a")
def audio(media_id: int):
    return _rendition_file(media_id, "m4a", "audio/mp4", ".m4a", inline=False)


@bp.get("/media/<int:media_id>/poster.jpg")
def poster(media_id: int):
    return _rendition_file(media_id, "poster", "image/jpeg", " (poster).jpg", inline=True)


@bp.post("/media/<int:media_id>/renditions/retry")
def retry_renditions(media_id: int):
    asset = renditions.retry(actor(), media_id)
    db.session.commit()
    return media_json(asset)


def _rendition_file(media_id: int, kind: str, content_type: str, suffix: str, *,
                    inline: bool):
    asset = get_content(require_actor(), media_id)
    row = streaming.rendition_file(asset, kind)
    if row is None:
        raise NotFound("This video has no such rendition yet.")
    name = asset.original_name.rsplit(".", 1)[0] + suffix
    return _stored_file(row.storage_key, name, content_type, inline=inline)


def _stored_file(key: str, filename: str, content_type: str, *, inline: bool):
    """A presigned redirect in S3 mode; the bytes from the app in local mode."""
    with store():
        url = get_storage().download_url(key, filename, content_type, inline=inline)
    if url:
        return redirect(url, 302)
    return serve_stored(key, filename, content_type, inline=inline)


def playlist_response(text: str) -> Response:
    """A playlist for this viewer only: its URLs are signed for a short while."""
    response = Response(text, mimetype=streaming.PLAYLIST_TYPE)
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@contextmanager
def committing_failures() -> Iterator[None]:
    """Commit the ``failed`` status and reason of a refused upload, then re-raise."""
    try:
        yield
    except service.UploadFailed:
        db.session.commit()
        raise
