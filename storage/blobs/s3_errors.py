"""botocore's exceptions -> the blob store's: a missing blob, a clear configuration fault, or a
transient outage. Nothing here imports botocore at module level."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from storage.blobs.base import BlobStoreError, BlobStoreUnavailable

_MISSING_KEY = {"NoSuchKey", "404", "NotFound"}
_BAD_CREDENTIALS = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "InvalidClientTokenId",
    "AuthorizationHeaderMalformed",
}
_TRANSIENT = {"SlowDown", "RequestTimeout", "Throttling", "ThrottlingException", "ServiceUnavailable", "InternalError"}
CREDENTIALS_HINT = "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for MinIO, R2 or GCS)"


@contextmanager
def translated(url: str, endpoint: str, key: str | None = None) -> Iterator[None]:
    """Run the block, turning botocore's exceptions into ``FileNotFoundError`` (``key`` missing),
    :class:`BlobStoreUnavailable` (retry later) or :class:`BlobStoreError` (fix the configuration).
    ``url`` is the store's (``s3://bucket/prefix/``), ``endpoint`` the server's."""
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except S3UploadFailedError as exc:
        cause = exc.__cause__
        if isinstance(cause, ClientError):
            raise _from_client_error(cause, url, endpoint, key) from exc
        raise BlobStoreError(f"upload to {url} failed: {exc}") from exc
    except ClientError as exc:
        raise _from_client_error(exc, url, endpoint, key) from exc
    except BotoCoreError as exc:
        raise _from_botocore_error(exc, url, endpoint) from exc


def _from_client_error(exc: Exception, url: str, endpoint: str, key: str | None) -> Exception:
    response = getattr(exc, "response", {}) or {}
    error = response.get("Error", {})
    code = str(error.get("Code", ""))
    message = str(error.get("Message", "")) or code
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    bucket = url.removeprefix("s3://").split("/", 1)[0]
    if code == "NoSuchBucket" or (key is None and code in _MISSING_KEY):
        return BlobStoreError(
            f"the S3 bucket {bucket!r} does not exist at {endpoint}: create it, or fix DOCPARSE_BLOB_URL"
        )
    if key is not None and code in _MISSING_KEY:
        return FileNotFoundError(f"blob {key} is not in {url}")
    if code in _BAD_CREDENTIALS:
        return BlobStoreError(f"{endpoint} refused the S3 credentials ({code}: {message}): {CREDENTIALS_HINT}")
    if code in {"AccessDenied", "403", "Forbidden"} or status == 403:
        return BlobStoreError(
            f"access to {url} at {endpoint} was denied ({code}): {CREDENTIALS_HINT}; the key needs "
            "s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the bucket"
        )
    if code in _TRANSIENT or status >= 500:
        return BlobStoreUnavailable(f"the S3 endpoint {endpoint} is unavailable ({code}: {message})")
    return BlobStoreError(f"S3 request to {url} failed ({code}: {message})")


def _from_botocore_error(exc: Exception, url: str, endpoint: str) -> Exception:
    from botocore.exceptions import (
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
        ReadTimeoutError,
    )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return BlobStoreError(f"no usable S3 credentials for {url} ({exc}): {CREDENTIALS_HINT}")
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError):
        return BlobStoreUnavailable(f"cannot reach the S3 endpoint {endpoint} for {url}: {exc}")
    return BlobStoreError(f"S3 request to {url} failed: {exc}")
