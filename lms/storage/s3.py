"""Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2) through boto3.

The app never carries media bytes in this mode: playback gets presigned GET
URLs and browsers PUT multipart parts straight to presigned UploadPart URLs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, BinaryIO, cast

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from lms.storage.base import (
    Digests,
    ListedObject,
    ObjectInfo,
    PartInfo,
    PartTarget,
    Storage,
    UploadInfo,
    check_part_number,
    sorted_parts,
    strip_etag,
)
from lms.storage.disposition import content_disposition
from lms.storage.errors import (
    MultipartError,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
)
from lms.storage.keys import validate_key
from lms.storage.presign import QuerySigner

_NOT_FOUND = frozenset({"404", "NoSuchKey", "NoSuchUpload", "NotFound"})
_MULTIPART = frozenset({"InvalidPart", "InvalidPartOrder", "EntityTooSmall"})
#: The store is missing, misconfigured or overloaded: worth a 503 and a retry.
_UNAVAILABLE = frozenset(
    {"NoSuchBucket", "InternalError", "ServiceUnavailable", "SlowDown", "503", "500"}
)
#: Sent with every part PUT: raw bytes, never a form (some servers parse forms).
#: Not signed, so clients may leave it out.
PART_HEADERS = {"Content-Type": "application/octet-stream"}
#: Uploads read a non-seekable stream in parts, so memory holds at most a few chunks.
_TRANSFER = TransferConfig(
    multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=4
)


def client_config(endpoint_url: str | None, read_timeout: int = 10, attempts: int = 2) -> Config:
    """Fail within seconds when the store is down; sign with SigV4, stated explicitly."""
    return Config(
        signature_version="s3v4",
        connect_timeout=3,
        read_timeout=read_timeout,
        retries={"max_attempts": attempts, "mode": "standard"},
        s3={"addressing_style": "path" if endpoint_url else "auto"},
    )


def _translate(exc: Exception, action: str) -> StorageError:
    if isinstance(exc, S3UploadFailedError) and isinstance(exc.__context__, Exception):
        return _translate(exc.__context__, action)
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _NOT_FOUND:
            return ObjectNotFound(f"{action}: not found")
        if code in _MULTIPART:
            return MultipartError(f"{action}: {code}")
        if code in _UNAVAILABLE:
            return StorageUnavailable(f"{action}: object store answered {code}")
        return StorageError(f"{action}: object store refused ({code})")
    if isinstance(exc, ParamValidationError):
        return StorageError(f"{action}: invalid request")
    return StorageUnavailable(f"{action}: object store unreachable ({type(exc).__name__})")


@contextmanager
def _s3_errors(action: str) -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError, S3UploadFailedError) as exc:
        raise _translate(exc, action) from exc


class _HashingReader:
    """Feeds boto3 the stream while computing the checksum on the way through."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.digests = Digests()

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.digests.update(chunk)
        return chunk


class S3Storage(Storage):
    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        presign_seconds: int = 900,
    ) -> None:
        self.bucket = bucket
        self.region = region or "us-east-1"
        self.presign_seconds = presign_seconds
        session = boto3.session.Session()
        self._session = session
        self._query_signer: QuerySigner | None = None
        self.client: Any = session.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=self.region,
            config=client_config(endpoint_url),
        )
        #: Joining a multi-GB upload takes the store longer than any other call, and a
        #: retry racing the first attempt makes it fail: wait long, and only once.
        self.completion_client: Any = session.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=self.region,
            config=client_config(endpoint_url, read_timeout=600, attempts=1),
        )

    # -- objects ---------------------------------------------------------------

    def save(self, key: str, stream: BinaryIO, content_type: str) -> ObjectInfo:
        reader = _HashingReader(stream)
        with _s3_errors(f"save {key}"):
            self.client.upload_fileobj(
                reader,
                self.bucket,
                validate_key(key),
                ExtraArgs={"ContentType": content_type},
                Config=_TRANSFER,
            )
        info = self.head(key)
        if info is None or info.size != reader.digests.size:
            raise StorageError(f"save {key}: the stored object does not match what was sent")
        return ObjectInfo(
            key, info.size, info.etag, info.content_type, reader.digests.sha256.hexdigest()
        )

    def open(self, key: str) -> BinaryIO:
        with _s3_errors(f"open {key}"):
            response = self.client.get_object(Bucket=self.bucket, Key=validate_key(key))
        return cast(BinaryIO, response["Body"])

    def read_range(self, key: str, start: int, end: int) -> bytes:
        if start < 0 or end < start:
            raise StorageError(f"invalid byte range {start}-{end}")
        try:
            with _s3_errors(f"read {key}"):
                response = self.client.get_object(
                    Bucket=self.bucket, Key=validate_key(key), Range=f"bytes={start}-{end}"
                )
                return response["Body"].read()
        except StorageError as exc:
            if _error_code(exc.__cause__) == "InvalidRange":
                return b""
            raise

    def head(self, key: str) -> ObjectInfo | None:
        try:
            with _s3_errors(f"head {key}"):
                response = self.client.head_object(Bucket=self.bucket, Key=validate_key(key))
        except ObjectNotFound:
            return None
        return ObjectInfo(
            key,
            response["ContentLength"],
            strip_etag(response["ETag"]),
            response.get("ContentType", "application/octet-stream"),
        )

    def list_objects(self, prefix: str = "") -> Iterator[ListedObject]:
        """Page by page (1,000 keys each), so memory stays small however big the bucket."""
        paginator = self.client.get_paginator("list_objects_v2")
        with _s3_errors("list objects"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield ListedObject(item["Key"], item["Size"], strip_etag(item["ETag"]))

    def delete(self, key: str) -> None:
        with _s3_errors(f"delete {key}"):
            self.client.delete_object(Bucket=self.bucket, Key=validate_key(key))

    def download_url(self, key: str, filename: str, content_type: str, *, inline: bool) -> str:
        """A presigned GET that makes the store send our name and type, not its own."""
        params = {
            "Bucket": self.bucket,
            "Key": validate_key(key),
            "ResponseContentDisposition": content_disposition(
                filename, inline=inline, content_type=content_type
            ),
            "ResponseContentType": content_type,
        }
        return self._presign("get_object", params, "GET")

    def presigned_gets(self, keys: Sequence[str]) -> list[str]:
        """Plain presigned GETs of many objects (HLS segments), signed locally."""
        credentials = self._session.get_credentials()
        if credentials is None:
            raise StorageUnavailable("no AWS credentials to sign URLs with")
        return self._signer().sign([validate_key(k) for k in keys],
                                   credentials.get_frozen_credentials(), self.presign_seconds)

    def _signer(self) -> QuerySigner:
        """Made once from one URL botocore presigns (path or virtual-host style alike)."""
        if self._query_signer is None:
            sample = self._presign("get_object", {"Bucket": self.bucket, "Key": "k"}, "GET")
            base = sample.split("?", 1)[0].removesuffix("/k")
            self._query_signer = QuerySigner(base, self.region)
        return self._query_signer

    # -- multipart -------------------------------------------------------------

    def create_multipart(self, key: str, content_type: str) -> str:
        with _s3_errors(f"create upload for {key}"):
            response = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=validate_key(key), ContentType=content_type
            )
        return response["UploadId"]

    def part_target(self, key: str, upload_id: str, number: int) -> PartTarget:
        params = {
            "Bucket": self.bucket,
            "Key": validate_key(key),
            "UploadId": upload_id,
            "PartNumber": check_part_number(number),
        }
        url = self._presign("upload_part", params, "PUT")
        return PartTarget(url, "PUT", dict(PART_HEADERS))

    def put_part(self, key: str, upload_id: str, number: int, stream: BinaryIO) -> str:
        """Not used in S3 mode: browsers PUT parts to the bucket, never through the app."""
        raise StorageError("S3 parts are uploaded straight to the bucket (see part_target)")

    def list_parts(self, key: str, upload_id: str) -> list[PartInfo]:
        paginator = self.client.get_paginator("list_parts")
        pages = paginator.paginate(Bucket=self.bucket, Key=validate_key(key), UploadId=upload_id)
        with _s3_errors(f"list parts of {key}"):
            return [
                PartInfo(part["PartNumber"], strip_etag(part["ETag"]), part["Size"])
                for page in pages
                for part in page.get("Parts", [])
            ]

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[tuple[int, str]]
    ) -> ObjectInfo:
        listed = [{"PartNumber": n, "ETag": f'"{etag}"'} for n, etag in sorted_parts(parts)]
        with _s3_errors(f"complete {key}"):
            self.completion_client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=validate_key(key),
                UploadId=upload_id,
                MultipartUpload={"Parts": listed},
            )
        info = self.head(key)
        if info is None:
            raise StorageError(f"complete {key}: object missing after completion")
        return info

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            with _s3_errors(f"abort upload of {key}"):
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=validate_key(key), UploadId=upload_id
                )
        except ObjectNotFound:
            return

    def list_multipart_uploads(self, older_than: datetime) -> list[UploadInfo]:
        paginator = self.client.get_paginator("list_multipart_uploads")
        with _s3_errors("list uploads"):
            return [
                UploadInfo(upload["Key"], upload["UploadId"], upload["Initiated"])
                for page in paginator.paginate(Bucket=self.bucket)
                for upload in page.get("Uploads", [])
                if upload["Initiated"] < older_than
            ]

    def ensure_bucket(self, cors_origins: Sequence[str]) -> None:
        """Create the bucket if missing; browsers may PUT parts and read the ETag."""
        if not self._bucket_exists():
            self._create_bucket()
        if cors_origins:
            rule = {
                "AllowedOrigins": list(cors_origins),
                "AllowedMethods": ["PUT", "GET", "HEAD"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": 3600,
            }
            with _s3_errors(f"set CORS on {self.bucket}"):
                self.client.put_bucket_cors(
                    Bucket=self.bucket, CORSConfiguration={"CORSRules": [rule]}
                )

    # -- helpers ---------------------------------------------------------------

    def _presign(self, operation: str, params: dict[str, Any], method: str) -> str:
        with _s3_errors(f"presign {operation}"):
            return self.client.generate_presigned_url(
                operation, Params=params, ExpiresIn=self.presign_seconds, HttpMethod=method
            )

    def _bucket_exists(self) -> bool:
        try:
            with _s3_errors(f"head bucket {self.bucket}"):
                self.client.head_bucket(Bucket=self.bucket)
        except ObjectNotFound:
            return False
        return True

    def _create_bucket(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self.client.create_bucket(**kwargs)
        except ClientError as exc:
            if _error_code(exc) != "BucketAlreadyOwnedByYou":
                raise _translate(exc, f"create bucket {self.bucket}") from exc
        except BotoCoreError as exc:
            raise _translate(exc, f"create bucket {self.bucket}") from exc


def _error_code(exc: BaseException | None) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""
