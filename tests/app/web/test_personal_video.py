"""Byte ranges of a debtor's copy, as browsers ask for video (the route itself runs in
tests/e2e/test_personal_video.py against a real server)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from app.web.personal_video import _span, ranged

BODY = bytes(range(256)) * 4  # 1,024 bytes


def _request(**headers: str) -> Request:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


@pytest.mark.parametrize(
    ("asked", "span"),
    [
        ("bytes=0-1", (0, 1)),  # Safari's first question
        ("bytes=0-", (0, 1023)),
        ("bytes=1000-5000", (1000, 1023)),  # past the end: up to the end
        ("bytes=-100", (924, 1023)),  # the last 100
        ("bytes=-5000", (0, 1023)),
        ("bytes=1024-", None),  # nothing there
        ("bytes=5-4", None),
        ("bytes=-0", None),
        ("bytes=0-1,5-6", None),  # several ranges: answered whole, not as multipart
        ("items=0-1", None),
    ],
)
def test_a_range_is_read_as_http_says(asked: str, span: tuple[int, int] | None) -> None:
    assert _span(asked, len(BODY)) == span


def test_a_range_is_answered_206_and_one_outside_416() -> None:
    whole = ranged(_request(), BODY, '"t"')
    assert whole.status_code == 200 and whole.body == BODY
    assert whole.headers["accept-ranges"] == "bytes" and whole.headers["etag"] == '"t"'
    part = ranged(_request(range="bytes=10-19"), BODY, '"t"')
    assert part.status_code == 206 and part.body == BODY[10:20]
    assert part.headers["content-range"] == "bytes 10-19/1024"
    assert ranged(_request(range="bytes=2000-"), BODY, '"t"').status_code == 416
    # a range of another copy (If-Range with an old tag) gets the whole new one
    stale = ranged(_request(range="bytes=10-19", if_range='"old"'), BODY, '"t"')
    assert stale.status_code == 200 and stale.body == BODY
    assert whole.headers["cache-control"] == "no-store"
    several = ranged(_request(range="bytes=0-1,5-6"), BODY, '"t"')
    assert several.status_code == 200 and several.body == BODY
