"""Tests for ``parse_error_body`` on every shape of error body, none of which may raise."""

from __future__ import annotations

import json

import pytest

from modelarts_operator.cloud.errors import ErrorBody, parse_error_body

REQUEST_ID = "4c4d3ab2d2e1a1f5d2d9c0e5f7a8b9c0"
NOT_FOUND = {
    "error_code": "ModelArts.3502",
    "error_msg": "Service e2ad76dd-f54b-417e-b472-236cc4e335d7 does not exist.",
}
SNIPPET_CHARS = 200


def encode(document: object) -> bytes:
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        pytest.param(
            encode(NOT_FOUND),
            "application/json",
            ErrorBody("ModelArts.3502", NOT_FOUND["error_msg"]),
            id="modelarts-body",
        ),
        pytest.param(
            encode({"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication", "request_id": REQUEST_ID}),
            "application/json",
            ErrorBody("APIGW.0301", "Incorrect IAM authentication", REQUEST_ID),
            id="gateway-body",
        ),
        pytest.param(
            encode({"error": {"error_code": "APIG.0308", "error_msg": "Throttled"}, "request_id": REQUEST_ID}),
            "application/json",
            ErrorBody("APIG.0308", "Throttled", REQUEST_ID),
            id="nested-error-outer-request-id",
        ),
        pytest.param(
            encode({"error": {"error_code": "APIG.0308", "error_msg": "Throttled", "request_id": REQUEST_ID}}),
            None,
            ErrorBody("APIG.0308", "Throttled", REQUEST_ID),
            id="nested-error-inner-request-id",
        ),
        pytest.param(
            encode({"error_code": "ModelArts.0010"}),
            None,
            ErrorBody("ModelArts.0010", None),
            id="code-without-message",
        ),
        pytest.param(
            encode({"error_code": 4503, "error_msg": "timeout"}),
            None,
            ErrorBody("4503", "timeout"),
            id="numeric-code",
        ),
        pytest.param(b"", None, ErrorBody(None, None), id="empty"),
        pytest.param(b" \r\n\t ", "text/plain", ErrorBody(None, None), id="whitespace"),
        pytest.param(
            b"upstream connect error or disconnect/reset before headers",
            "text/plain",
            ErrorBody(None, "non-JSON body (text/plain): upstream connect error or disconnect/reset before headers"),
            id="plain-text",
        ),
        pytest.param(
            b'{"error_code": "ModelArts.3502", "error_',
            "application/json",
            ErrorBody(None, 'non-JSON body (application/json): {"error_code": "ModelArts.3502", "error_'),
            id="truncated-json",
        ),
        pytest.param(
            b'[{"error_code": "ModelArts.3502"}]',
            None,
            ErrorBody(None, 'unexpected JSON body: [{"error_code": "ModelArts.3502"}]'),
            id="json-list",
        ),
        pytest.param(b"null", None, ErrorBody(None, "unexpected JSON body: null"), id="json-null"),
        pytest.param(b'"Bad Gateway"', None, ErrorBody(None, 'unexpected JSON body: "Bad Gateway"'), id="json-string"),
        pytest.param(
            encode({"message": "Internal Server Error", "request_id": REQUEST_ID}),
            "application/json",
            ErrorBody(
                None,
                f'JSON body without error_code: {{"message": "Internal Server Error", "request_id": "{REQUEST_ID}"}}',
                REQUEST_ID,
            ),
            id="json-without-error-code",
        ),
    ],
)
def test_parse_error_body_shapes(content: bytes, content_type: str | None, expected: ErrorBody) -> None:
    assert parse_error_body(content, content_type) == expected


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", id="html"),
        pytest.param(b"<!DOCTYPE html>\n<html><body>Bad Gateway</body></html>", id="doctype"),
        pytest.param(b"\n  <HTML><BODY>Bad Gateway</BODY></HTML>", id="upper-case-leading-space"),
    ],
)
def test_parse_error_body_html(content: bytes) -> None:
    parsed = parse_error_body(content, "text/html")

    assert parsed.error_code is None
    assert parsed.error_msg is not None
    assert parsed.error_msg.startswith("HTML body (text/html): ")
    assert "Bad Gateway" in parsed.error_msg


def test_parse_error_body_html_flattens_whitespace() -> None:
    parsed = parse_error_body(b"<html>\n\n  <body>\tdown\n</body></html>", None)

    assert parsed.error_msg == "HTML body: <html> <body> down </body></html>"


def test_parse_error_body_non_utf8_json() -> None:
    parsed = parse_error_body(b'{"error_code": "ModelArts.0101", "error_msg": "bad name \xff\xfe"}', None)

    assert parsed.error_code == "ModelArts.0101"
    assert parsed.error_msg == "bad name \ufffd\ufffd"


def test_parse_error_body_non_utf8_text() -> None:
    parsed = parse_error_body(b"\xff\xfe\x00E\x00r\x00r", "text/plain; charset=utf-16")

    assert parsed.error_code is None
    assert parsed.error_msg is not None
    assert parsed.error_msg.startswith("non-JSON body (text/plain; charset=utf-16): ")


@pytest.mark.parametrize(
    ("content", "prefix"),
    [
        pytest.param(b"x" * 1_000_000, "non-JSON body: ", id="text"),
        pytest.param(b"<html>" + b"y" * 1_000_000, "HTML body: ", id="html"),
        pytest.param(encode([{"item": index} for index in range(50_000)]), "unexpected JSON body: ", id="json-list"),
    ],
)
def test_parse_error_body_huge_truncated(content: bytes, prefix: str) -> None:
    parsed = parse_error_body(content, None)

    assert parsed.error_msg is not None
    assert parsed.error_msg.startswith(prefix)
    assert parsed.error_msg.endswith("...")
    assert len(parsed.error_msg) == len(prefix) + SNIPPET_CHARS + len("...")


def test_parse_error_body_snippet_limit_exact() -> None:
    exact = "z" * SNIPPET_CHARS

    parsed = parse_error_body(exact.encode(), None)

    assert parsed.error_msg == f"non-JSON body: {exact}"


def test_parse_error_body_deeply_nested_json() -> None:
    parsed = parse_error_body(b"[" * 100_000, "application/json")

    assert parsed.error_code is None
    assert parsed.error_msg is not None
