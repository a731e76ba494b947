"""AK/SK request signing (``SDK-HMAC-SHA256``) as the ModelArts API gateway verifies it.

The canonical-request functions are shared by the client (``AkSkAuth``) and by the
emulator, which recomputes the signature on the server side. The algorithm is the
one the Huawei Cloud SDK core uses: canonical URI with every segment percent-encoded
and a trailing ``/``, sorted and encoded query, lower-cased sorted signed headers,
hex SHA-256 of the body, and an HMAC-SHA256 over a three-line string to sign.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

import httpx

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
DATE_HEADER = "X-Sdk-Date"
CONTENT_SHA256_HEADER = "X-Sdk-Content-Sha256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
SECURITY_TOKEN_HEADER = "X-Security-Token"
PROJECT_ID_HEADER = "X-Project-Id"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()

# Unreserved characters per RFC 3986 stay literal; everything else becomes %XX (upper case).
_SAFE = "-_.~"


@dataclass(frozen=True, repr=False)
class AkSkCredentials:
    """An access key pair, with the security token that temporary credentials carry."""

    access_key: str
    secret_key: str
    security_token: str | None = None

    def __repr__(self) -> str:
        # The secret key and the token never appear in logs, tracebacks or reprs.
        return f"AkSkCredentials(access_key={self.access_key!r}, secret_key=***, security_token=***)"


def percent_encode(value: str) -> str:
    """Encode a path segment or query item the way the gateway does (space becomes ``%20``)."""
    return quote(value, safe=_SAFE)


def canonical_uri(path: str) -> str:
    """Encode each segment of a (possibly already percent-encoded) path and append ``/``."""
    segments = [percent_encode(segment) for segment in unquote(path).split("/")]
    encoded = "/".join(segments)
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query(params: Iterable[tuple[str, str]]) -> str:
    """Sort query parameters by key, then value, and join them encoded as ``k=v&...``."""
    ordered = sorted(params)
    return "&".join(f"{percent_encode(key)}={percent_encode(value)}" for key, value in ordered)


# Hop-by-hop headers may be rewritten by proxies on the way, so they are sent unsigned.
_UNSIGNED_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "upgrade"})


def signed_header_names(headers: Mapping[str, str]) -> list[str]:
    """Return the lower-cased, sorted names of the headers to sign.

    Those are all headers sent except hop-by-hop ones and names with ``_``, which the
    SDK leaves unsigned too (many proxies drop such headers, so they never reach the gateway).
    """
    names = {name.lower() for name in headers} - _UNSIGNED_HEADERS
    return sorted(name for name in names if "_" not in name)


def payload_hash(headers: Mapping[str, str], body: bytes) -> str:
    """Hash the body, unless the request opted out with ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD``."""
    if not body:
        return EMPTY_BODY_SHA256
    lowered = {name.lower(): value for name, value in headers.items()}
    if lowered.get(CONTENT_SHA256_HEADER.lower()) == UNSIGNED_PAYLOAD:
        return UNSIGNED_PAYLOAD
    return hashlib.sha256(body).hexdigest()


def canonical_request(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    signed_headers: list[str],
    body: bytes,
) -> str:
    """Build the canonical request: the text whose hash is signed."""
    lowered = {name.lower(): value.strip() for name, value in headers.items()}
    header_lines = "".join(f"{name}:{lowered.get(name, '')}\n" for name in signed_headers)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            header_lines,
            ";".join(signed_headers),
            payload_hash(headers, body),
        ]
    )


def string_to_sign(sdk_date: str, canonical: str) -> str:
    """Return the three-line string that the HMAC covers."""
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, sdk_date: str, canonical: str) -> str:
    """Return the hex HMAC-SHA256 of the string to sign, keyed with the secret key."""
    message = string_to_sign(sdk_date, canonical).encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def authorization_header(access_key: str, signed_headers: list[str], signature_hex: str) -> str:
    """Format the ``Authorization`` header value."""
    return f"{ALGORITHM} Access={access_key}, SignedHeaders={';'.join(signed_headers)}, Signature={signature_hex}"


def host_header(url: httpx.URL) -> str:
    """Return the ``Host`` value the gateway expects: the port only when the URL names one.

    ``netloc`` keeps the brackets of an IPv6 literal and leaves out a default port.
    """
    return url.netloc.decode("ascii")


class AkSkAuth(httpx.Auth):
    """httpx authentication that signs each request, retries included, afresh.

    Usage::

        client = httpx.AsyncClient(auth=AkSkAuth(credentials, project_id))
        await client.post(url)

    Signing happens in ``auth_flow``, which httpx runs for every send, so a retried
    request gets a new ``X-Sdk-Date``: the gateway rejects dates more than 15 minutes
    off its clock, and a reused date fails once a retry waits that long.
    """

    requires_request_body = True

    def __init__(self, credentials: AkSkCredentials, project_id: str | None = None) -> None:
        self._credentials = credentials
        self._project_id = project_id

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request, datetime.now(UTC))
        yield request

    def sign(self, request: httpx.Request, now: datetime) -> None:
        """Add the date, host, project, token and ``Authorization`` headers to ``request``."""
        for name in ("Authorization", DATE_HEADER):
            request.headers.pop(name, None)
        sdk_date = now.astimezone(UTC).strftime(DATE_FORMAT)
        request.headers[DATE_HEADER] = sdk_date
        request.headers["Host"] = host_header(request.url)
        if self._project_id:
            request.headers[PROJECT_ID_HEADER] = self._project_id
        if self._credentials.security_token:
            request.headers[SECURITY_TOKEN_HEADER] = self._credentials.security_token

        headers = dict(request.headers.items())
        names = signed_header_names(headers)
        canonical = canonical_request(
            request.method,
            request.url.raw_path.decode("ascii").split("?", 1)[0],
            request.url.params.multi_items(),
            headers,
            names,
            request.content,
        )
        signature_hex = signature(self._credentials.secret_key, sdk_date, canonical)
        request.headers["Authorization"] = authorization_header(self._credentials.access_key, names, signature_hex)
