"""Gateway authentication: AK/SK signatures (``SDK-HMAC-SHA256``), IAM tokens and AK lockout.

The signature is recomputed from what the server received, with the same
canonical-request functions the client signs with, so both sides agree by
construction on everything but the secret. Failure messages name the reason but
never a secret key, token or signature.
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from modelarts_operator.cloud import signing
from modelarts_operator.emulator.errors import ApiError, auth_failed

MAX_CLOCK_SKEW = timedelta(minutes=15)
MAX_CONSECUTIVE_FAILURES = 5
REQUIRED_SIGNED_HEADERS = ("host", "x-sdk-date")
AUTH_TOKEN_HEADER = "X-Auth-Token"

_AUTHORIZATION = re.compile(
    rf"{signing.ALGORITHM}\s+Access=(?P<access>[^,\s]+),\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-fA-F]+)"
)


@dataclass(frozen=True)
class ReceivedRequest:
    """The parts of an HTTP request that the signature covers, as the server received them."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes


class Lockout:
    """Consecutive authentication failures per access key, and the keys locked because of them."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}

    def clear(self) -> None:
        """Forget all failures and unlock every key."""
        self._failures.clear()
        self._locked_until.clear()

    def seconds_left(self, access_key: str) -> float | None:
        """Return how long ``access_key`` stays locked, or None if it is not locked."""
        until = self._locked_until.get(access_key)
        if until is None:
            return None
        left = until - self._clock()
        if left <= 0:
            del self._locked_until[access_key]
            return None
        return left

    def fail(self, access_key: str, lockout_seconds: float) -> None:
        """Count a failure. The failure after ``MAX_CONSECUTIVE_FAILURES`` in a row locks the key."""
        failures = self._failures.get(access_key, 0) + 1
        if failures <= MAX_CONSECUTIVE_FAILURES:
            self._failures[access_key] = failures
            return
        self._failures.pop(access_key, None)
        self._locked_until[access_key] = self._clock() + lockout_seconds

    def succeed(self, access_key: str) -> None:
        """Reset the failure count of ``access_key``."""
        self._failures.pop(access_key, None)


class Authenticator:
    """Check a request against the configured AK/SK credentials and tokens."""

    def __init__(
        self,
        credentials: Iterable[signing.AkSkCredentials],
        tokens: Iterable[str],
        lockout: Lockout,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._credentials = {credential.access_key: credential for credential in credentials}
        self._tokens = tuple(tokens)
        self._lockout = lockout
        self._now = now

    def __repr__(self) -> str:
        return f"Authenticator(access_keys={sorted(self._credentials)}, tokens={len(self._tokens)})"

    def authenticate(self, request: ReceivedRequest, lockout_seconds: float) -> str:
        """Return the caller (an access key, or "token"), or raise the gateway's 401."""
        headers = {name.lower(): value for name, value in request.headers.items()}
        token = headers.get(AUTH_TOKEN_HEADER.lower())
        if token is not None:
            self._check_token(token)
            return "token"

        authorization = headers.get("authorization")
        if authorization is None:
            raise auth_failed("the Authorization header is missing. Sign the request with AK/SK or send X-Auth-Token")
        match = _AUTHORIZATION.fullmatch(authorization.strip())
        if match is None:
            raise auth_failed(
                f"the Authorization header is malformed. Expected '{signing.ALGORITHM} "
                "Access=<AK>, SignedHeaders=<a;b;c>, Signature=<hex>'"
            )

        access_key = match["access"]
        credential = self._credentials.get(access_key)
        if credential is None:
            raise auth_failed(f"access key {access_key} is unknown")
        left = self._lockout.seconds_left(access_key)
        if left is not None:
            raise auth_failed(
                f"access key {access_key} is locked for another {left:.0f} s after too many failed authentications"
            )

        try:
            self._verify(request, headers, credential, match["headers"].split(";"), match["signature"])
        except ApiError:
            self._lockout.fail(access_key, lockout_seconds)
            raise
        self._lockout.succeed(access_key)
        return access_key

    def _check_token(self, token: str) -> None:
        # Compare against every token so the time taken does not tell which one nearly matched.
        known = [hmac.compare_digest(token.encode(), candidate.encode()) for candidate in self._tokens]
        if not any(known):
            raise auth_failed("the X-Auth-Token is invalid or expired")

    def _verify(
        self,
        request: ReceivedRequest,
        headers: Mapping[str, str],
        credential: signing.AkSkCredentials,
        signed_headers: list[str],
        signature_hex: str,
    ) -> None:
        missing = [name for name in REQUIRED_SIGNED_HEADERS if name not in signed_headers]
        if missing:
            raise auth_failed(f"SignedHeaders must include {', '.join(missing)}")
        sdk_date = headers.get(signing.DATE_HEADER.lower())
        if sdk_date is None:
            raise auth_failed(f"the {signing.DATE_HEADER} header is missing")
        self._check_date(sdk_date)
        self._check_security_token(headers, credential, signed_headers)

        canonical = signing.canonical_request(
            request.method, request.path, request.query, request.headers, signed_headers, request.body
        )
        expected = signing.signature(credential.secret_key, sdk_date, canonical)
        if not hmac.compare_digest(expected, signature_hex.lower()):
            raise auth_failed("signature does not match. Check the secret key and the signed headers")

    def _check_date(self, sdk_date: str) -> None:
        try:
            signed_at = datetime.strptime(sdk_date, signing.DATE_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise auth_failed(
                f"{signing.DATE_HEADER} {sdk_date!r} is invalid, expected UTC in the form YYYYMMDDTHHMMSSZ"
            ) from None

        now = self._now()
        if abs(now - signed_at) > MAX_CLOCK_SKEW:
            raise auth_failed(
                f"signature expired: {signing.DATE_HEADER} {sdk_date} is more than 15 minutes away "
                f"from the server time {now.strftime(signing.DATE_FORMAT)}"
            )

    @staticmethod
    def _check_security_token(
        headers: Mapping[str, str], credential: signing.AkSkCredentials, signed_headers: list[str]
    ) -> None:
        expected = credential.security_token
        if expected is None:
            return
        header = signing.SECURITY_TOKEN_HEADER
        sent = headers.get(header.lower())
        if sent is None or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise auth_failed(f"temporary credentials need the matching {header} header")
        if header.lower() not in signed_headers:
            raise auth_failed(f"the {header} header must be signed")
