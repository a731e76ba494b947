"""Tests for the AK/SK request signer, with the Huawei Cloud SDK core signer as the oracle.

The SDK (PyPI ``huaweicloudsdkcore``) signs ``SdkRequest`` objects whose resource path is
sent on the wire as given and whose query parameters it encodes itself. Each generated case
is signed by both signers at the same ``X-Sdk-Date`` over the same header set, so equal
``Authorization`` values mean the canonical requests are byte for byte the same.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest

from modelarts_operator.cloud import signing
from modelarts_operator.cloud.signing import (
    AkSkAuth,
    AkSkCredentials,
    authorization_header,
    canonical_query,
    canonical_request,
    canonical_uri,
    host_header,
    payload_hash,
    percent_encode,
    signed_header_names,
    string_to_sign,
)

ACCESS_KEY = "HPUAEXAMPLEACCESSKEY01"
SECRET_KEY = "exampleSecretKey0123456789abcdefghijKLMN"
SECURITY_TOKEN = "gQpjbi1ub3J0aC00example-security-token"
SIGNING_TIME = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
SIGNING_DATE = "20240506T070809Z"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

# The SDK's transport adds hop-by-hop headers after signing, so they never reach its signer.
# The oracle therefore gets every header but these.
HOP_BY_HOP_HEADERS = frozenset({"connection", "proxy-connection", "keep-alive", "te", "transfer-encoding", "upgrade"})


# --- Pure functions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("aZ09", "aZ09"),
        ("-_.~", "-_.~"),
        (":", "%3A"),
        (" ", "%20"),
        ("+", "%2B"),
        ("/", "%2F"),
        ("%", "%25"),
        ("=", "%3D"),
        ("@", "%40"),
        ("*", "%2A"),
        ("é", "%C3%A9"),
    ],
)
def test_percent_encode_table(value: str, expected: str) -> None:
    assert percent_encode(value) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", "/"),
        ("/", "/"),
        ("/v1/proj/services", "/v1/proj/services/"),
        ("/v1/proj/services/", "/v1/proj/services/"),
        ("/v1/a:b", "/v1/a%3Ab/"),
        ("/v1/a%3Ab", "/v1/a%3Ab/"),
        ("/v1/a%20b", "/v1/a%20b/"),
        ("/v1/a+b", "/v1/a%2Bb/"),
        ("/v1/%7Etilde", "/v1/~tilde/"),
        ("/v1/caf%C3%A9", "/v1/caf%C3%A9/"),
        ("/v1/100%", "/v1/100%25/"),
        ("/v1//double", "/v1//double/"),
    ],
)
def test_canonical_uri_table(path: str, expected: str) -> None:
    assert canonical_uri(path) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([], ""),
        ([("b", "2"), ("a", "1")], "a=1&b=2"),
        ([("k", "b"), ("k", "a"), ("k", "")], "k=&k=a&k=b"),
        ([("flag", "")], "flag="),
        ([("q", "two words")], "q=two%20words"),
        ([("a:b", "c/d")], "a%3Ab=c%2Fd"),
        ([("x", "a+b=c&d")], "x=a%2Bb%3Dc%26d"),
        # Keys sort by their decoded text, as the SDK sorts them, so "z" comes before "é".
        ([("é", "1"), ("z", "2")], "z=2&%C3%A9=1"),
    ],
)
def test_canonical_query_table(params: list[tuple[str, str]], expected: str) -> None:
    assert canonical_query(params) == expected


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({}, b"", EMPTY_SHA256),
        ({}, b"abc", ABC_SHA256),
        ({"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}, b"abc", "UNSIGNED-PAYLOAD"),
        ({"x-sdk-content-sha256": "UNSIGNED-PAYLOAD"}, b"abc", "UNSIGNED-PAYLOAD"),
        ({"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}, b"", EMPTY_SHA256),
    ],
)
def test_payload_hash_table(headers: dict[str, str], body: bytes, expected: str) -> None:
    assert payload_hash(headers, body) == expected


def test_signed_header_names_skip_hop_by_hop() -> None:
    headers = {
        "Host": "h",
        "X-Sdk-Date": SIGNING_DATE,
        "Connection": "keep-alive",
        "Transfer-Encoding": "chunked",
        "Content-Type": "application/json",
    }

    assert signed_header_names(headers) == ["content-type", "host", "x-sdk-date"]


def test_canonical_request_known_text() -> None:
    headers = {"Host": "h:8443", "X-Sdk-Date": SIGNING_DATE, "Content-Type": " application/json "}
    names = ["content-type", "host", "x-sdk-date"]

    text = canonical_request("post", "/v1/p/a:b", [("b", "2"), ("a", "1 2")], headers, names, b"")

    expected = (
        "POST\n"
        "/v1/p/a%3Ab/\n"
        "a=1%202&b=2\n"
        "content-type:application/json\n"
        "host:h:8443\n"
        f"x-sdk-date:{SIGNING_DATE}\n"
        "\n"
        "content-type;host;x-sdk-date\n"
        f"{EMPTY_SHA256}"
    )
    assert text == expected


def test_string_to_sign_known_text() -> None:
    assert string_to_sign(SIGNING_DATE, "abc") == f"SDK-HMAC-SHA256\n{SIGNING_DATE}\n{ABC_SHA256}"


def test_authorization_header_format() -> None:
    value = authorization_header("AK", ["host", "x-sdk-date"], "00ff")

    assert value == "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=00ff"


@pytest.mark.parametrize(
    "url",
    [
        "https://modelarts.cn-north-4.myhuaweicloud.com/v1",
        "https://modelarts.example.test:8443/v1",
        "http://127.0.0.1:30080/v1",
        # httpx drops a port equal to the scheme's default from the URL and from its Host header.
        "https://modelarts.example.test:443/v1",
        "http://modelarts.example.test:80/v1",
    ],
)
def test_host_header_matches_httpx_host(url: str) -> None:
    request = httpx.Request("GET", url)

    assert host_header(request.url) == request.headers["Host"]


def test_host_header_ipv6_keeps_brackets() -> None:
    request = httpx.Request("GET", "https://[::1]:8443/v1")

    assert host_header(request.url) == "[::1]:8443"


# --- Oracle: the SDK signer -----------------------------------------------------------------

METHODS = ["GET", "POST", "DELETE"]
AUTHORITIES = [
    ("https", "modelarts.cn-north-4.myhuaweicloud.com"),
    ("https", "modelarts.example.test:8443"),
    ("http", "127.0.0.1:30080"),
    ("https", "apig.example.test"),
]
# Segments that exercise the encoding. They leave out '?' and '#' because those end a path.
SPECIAL_SEGMENTS = [
    "a:b",
    "user@example",
    "two words",
    "a+b",
    "100%",
    "50%25",
    "a%3Ab",
    "x%2Fy",
    "k=v",
    "~tilde",
    "café",
    "é",
    "日本",
    "semi;colon",
    "comma,list",
    "$dollar",
    "(paren)",
    "it's",
    "star*",
    "-_.~",
    "",
]
QUERY_KEYS = ["limit", "offset", "name", "q", "a b", "k:v", "é", "sort", "x+y"]
QUERY_VALUES = ["", "1", "20", "two words", "a+b", "x=y", "50%", "a&b", "é", "~", "/path/", "?", "a;b"]
EXTRA_HEADERS = {
    "X-Request-Id": "3f1c9a2e-5b7d-4e60-9c1a-2d4b6f8e0a13",
    "Accept-Language": "en-US",
    "X-Client-Note": "  padded value  ",
    "Connection": "close",
}


@dataclass(frozen=True)
class SigningCase:
    """One request to sign: every field maps onto both an httpx request and an ``SdkRequest``."""

    method: str
    scheme: str
    authority: str
    path: str
    params: list[tuple[str, str]]
    body_kind: str  # "empty", "json" or "unsigned"
    body: bytes
    security_token: str | None
    project_id: str | None
    extra_headers: dict[str, str] = field(default_factory=dict)


def random_segment(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return uuid.UUID(int=rng.getrandbits(128)).hex
    return rng.choice(SPECIAL_SEGMENTS)


def random_path(rng: random.Random) -> str:
    project, service, task = (random_segment(rng) for _ in range(3))
    path = f"/v1/{project}/services/{service}/tasks/{task}/start"
    if rng.random() < 0.2:
        path += "/" + rng.choice(SPECIAL_SEGMENTS)
    if rng.random() < 0.2:
        path += "/"
    return path


def random_params(rng: random.Random) -> list[tuple[str, str]]:
    count = rng.choice([0, 0, 1, 2, 3, 5])
    keys = rng.sample(QUERY_KEYS, k=2)  # few distinct keys, so keys repeat often
    return [(rng.choice(keys), rng.choice(QUERY_VALUES)) for _ in range(count)]


def random_body(rng: random.Random, method: str) -> tuple[str, bytes]:
    if method == "GET":
        return "empty", b""
    kind = rng.choice(["empty", "json", "unsigned"])
    if kind == "json":
        payload = {"name": rng.choice(QUERY_VALUES), "replicas": rng.randint(0, 9), "note": "café ✓"}
        return kind, httpx.Request("POST", "http://x", json=payload).content
    if kind == "unsigned":
        return kind, rng.randbytes(rng.choice([0, 1, 64]))
    return kind, b""


def generate_cases(seed: int, count: int) -> list[SigningCase]:
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        method = rng.choice(METHODS)
        scheme, authority = rng.choice(AUTHORITIES)
        body_kind, body = random_body(rng, method)
        extra_names = rng.sample(sorted(EXTRA_HEADERS), k=rng.randint(0, 2))
        cases.append(
            SigningCase(
                method=method,
                scheme=scheme,
                authority=authority,
                path=random_path(rng),
                params=random_params(rng),
                body_kind=body_kind,
                body=body,
                security_token=SECURITY_TOKEN if rng.random() < 0.5 else None,
                project_id=uuid.UUID(int=rng.getrandbits(128)).hex if rng.random() < 0.7 else None,
                extra_headers={name: EXTRA_HEADERS[name] for name in extra_names},
            )
        )
    return cases


CASES = generate_cases(seed=20240506, count=300)


def build_httpx_request(case: SigningCase) -> httpx.Request:
    headers = dict(case.extra_headers)
    content: bytes | None = None
    if case.body_kind == "json":
        headers["Content-Type"] = "application/json"
        content = case.body
    elif case.body_kind == "unsigned":
        # The SDK adds this header itself to any body that is neither JSON nor BSON. A body of
        # another content type without the header has no SDK counterpart, so no case makes one.
        headers["Content-Type"] = "application/octet-stream"
        headers["X-Sdk-Content-Sha256"] = "UNSIGNED-PAYLOAD"
        content = case.body
    with httpx.Client() as client:
        return client.build_request(
            case.method,
            f"{case.scheme}://{case.authority}{case.path}",
            params=tuple(case.params),
            headers=headers,
            content=content,
        )


def sign_with_sdk(case: SigningCase, wire_path: str, headers: list[tuple[str, str]], body: bytes) -> str:
    """Sign the case with the SDK's credentials and signer, and return its ``Authorization`` value."""
    header_params = {
        name: value for name, value in headers if name.lower() not in HOP_BY_HOP_HEADERS and name.lower() != "host"
    }
    header_params["X-Sdk-Date"] = SIGNING_DATE
    request = SdkRequest(
        method=case.method,
        schema=case.scheme,
        host=case.authority,
        resource_path=wire_path,
        query_params=list(case.params),
        header_params=header_params,
        body=body,
    )
    credentials = BasicCredentials(ACCESS_KEY, SECRET_KEY, case.project_id)
    if case.security_token is not None:
        credentials = credentials.with_security_token(case.security_token)
    signed = credentials.sign_request(request)
    return str(signed.header_params["Authorization"])


def signed_headers_of(authorization: str) -> str:
    match = re.search(r"SignedHeaders=([^,]*)", authorization)
    assert match is not None, f"no SignedHeaders in {authorization!r}"
    return match.group(1)


def case_id(case: SigningCase) -> str:
    return f"{case.method}-{case.body_kind}-{'token' if case.security_token else 'no-token'}"


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d}-{case_id(c)}" for i, c in enumerate(CASES)])
def test_aksk_auth_matches_sdk_signer(case: SigningCase) -> None:
    request = build_httpx_request(case)
    headers_before = [(name.decode("ascii"), value.decode("ascii")) for name, value in request.headers.raw]
    wire_path = request.url.raw_path.decode("ascii").split("?", 1)[0]

    auth = AkSkAuth(AkSkCredentials(ACCESS_KEY, SECRET_KEY, case.security_token), case.project_id)
    auth.sign(request, SIGNING_TIME)
    ours = request.headers["Authorization"]
    expected = sign_with_sdk(case, wire_path, headers_before, request.content)

    assert request.headers["X-Sdk-Date"] == SIGNING_DATE
    assert signed_headers_of(ours) == signed_headers_of(expected)
    assert ours == expected


def test_oracle_cases_cover_hard_inputs() -> None:
    """Check that the generated cases include each kind of input the oracle test is meant to cover."""
    paths = "".join(case.path for case in CASES)
    queries = [case.params for case in CASES]

    assert {case.method for case in CASES} == set(METHODS)
    assert {case.body_kind for case in CASES} == {"empty", "json", "unsigned"}
    assert any(case.security_token for case in CASES)
    assert any(case.security_token is None for case in CASES)
    assert any(case.project_id for case in CASES)
    assert any(case.project_id is None for case in CASES)
    assert any(":" in case.authority for case in CASES)
    assert any(":" not in case.authority for case in CASES)
    assert any("Connection" in case.extra_headers for case in CASES)
    for char in [":", "@", " ", "+", "%", "=", "~", "é"]:
        assert char in paths, f"no generated path contains {char!r}"
    assert any(len({key for key, _ in params}) < len(params) for params in queries), "no repeated keys"
    assert any(value == "" for params in queries for _, value in params), "no empty value"
    assert any(" " in value for params in queries for _, value in params), "no value with a space"


def test_aksk_auth_underscore_header_like_sdk() -> None:
    case = SigningCase(
        method="GET",
        scheme="https",
        authority="modelarts.example.test",
        path="/v1/proj/services",
        params=[],
        body_kind="empty",
        body=b"",
        security_token=None,
        project_id="proj",
        extra_headers={"X_Trace_Id": "abc"},
    )
    request = build_httpx_request(case)
    headers_before = [(name.decode("ascii"), value.decode("ascii")) for name, value in request.headers.raw]
    wire_path = request.url.raw_path.decode("ascii")

    AkSkAuth(AkSkCredentials(ACCESS_KEY, SECRET_KEY), "proj").sign(request, SIGNING_TIME)
    expected = sign_with_sdk(case, wire_path, headers_before, b"")

    assert signed_headers_of(request.headers["Authorization"]) == signed_headers_of(expected)


# --- Signing on every send, and keeping the secret key out -----------------------------------


def fake_clock(monkeypatch: pytest.MonkeyPatch, times: list[datetime]) -> None:
    """Make ``datetime.now`` in the signing module return ``times`` one after another."""
    remaining: Iterator[datetime] = iter(times)

    class FakeDatetime(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return next(remaining)

    monkeypatch.setattr(signing, "datetime", FakeDatetime)


async def test_aksk_auth_signs_each_send(monkeypatch: pytest.MonkeyPatch) -> None:
    later = SIGNING_TIME + timedelta(minutes=16)
    fake_clock(monkeypatch, [SIGNING_TIME, later])
    received: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        received.append(request.headers)
        return httpx.Response(200, json={})

    auth = AkSkAuth(AkSkCredentials(ACCESS_KEY, SECRET_KEY), "proj")
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), auth=auth) as client:
        await client.post("https://modelarts.example.test/v1/proj/tasks/t1/start", json={"a": 1})
        await client.post("https://modelarts.example.test/v1/proj/tasks/t1/start", json={"a": 1})

    first, second = received
    assert first["X-Sdk-Date"] == SIGNING_DATE
    assert second["X-Sdk-Date"] == "20240506T072409Z"
    assert first["Authorization"] != second["Authorization"]


def test_aksk_auth_resign_replaces_headers() -> None:
    request = httpx.Request("GET", "https://modelarts.example.test/v1/proj/services")
    auth = AkSkAuth(AkSkCredentials(ACCESS_KEY, SECRET_KEY, SECURITY_TOKEN), "proj")

    auth.sign(request, SIGNING_TIME)
    auth.sign(request, SIGNING_TIME + timedelta(seconds=1))

    assert request.headers.get_list("X-Sdk-Date") == ["20240506T070810Z"]
    assert len(request.headers.get_list("Authorization")) == 1
    assert len(request.headers.get_list("X-Security-Token")) == 1


def test_credentials_repr_hides_secrets() -> None:
    text = repr(AkSkCredentials(ACCESS_KEY, SECRET_KEY, SECURITY_TOKEN))

    assert ACCESS_KEY in text
    assert SECRET_KEY not in text
    assert SECURITY_TOKEN not in text


def test_signed_request_omits_secret_key() -> None:
    request = httpx.Request("POST", "https://modelarts.example.test/v1/proj/services", json={"a": 1})

    AkSkAuth(AkSkCredentials(ACCESS_KEY, SECRET_KEY, SECURITY_TOKEN), "proj").sign(request, SIGNING_TIME)

    for name, value in request.headers.items():
        assert SECRET_KEY not in value, f"header {name} contains the secret key"
    assert SECRET_KEY.encode() not in request.content
    assert SECRET_KEY not in str(request.url)
