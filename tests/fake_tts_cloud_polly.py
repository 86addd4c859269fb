"""A fake of Amazon Polly's SynthesizeSpeech (``POST /v1/speech``) that checks AWS Signature
Version 4 itself.

The signature is recomputed here from the request as received, by the steps of AWS's signing
documentation (canonical request, string to sign, derived key), with code of its own: the
engine signs with httpx-auth, and a fake reusing that would prove nothing. The steps are held
to AWS's published example in the tests (:func:`expected_signature`). Refusals are AWS's:
403 UnrecognizedClientException for an unknown key id, 403 InvalidSignatureException for a
wrong signature, scope or time, 403 MissingAuthenticationToken without an Authorization
header; request errors are 400 (ValidationException, InvalidSampleRateException,
EngineNotSupportedException, TextLengthExceededException), throttling a 400
ThrottlingException; each with ``x-amzn-ErrorType`` and ``{"message"}``. The answer is
``audio/pcm``: 16-bit mono little-endian samples at ``SampleRate``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fake_tts_cloud import FakeProvider, tone

TEST_ACCESS_KEY_ID = "AKIAFAKEPOLLY2EXAMPLE"
TEST_SECRET = "fAkE/SeCrEt+KeY/for/the/polly/fake/0123"
TEST_REGION = "eu-central-1"
# Voices and the engines each has (from Polly's voice list).
VOICES = {
    "Laura": {"neural", "generative"},
    "Lotte": {"standard"},
    "Amy": {"neural", "generative", "standard"},
    "Vicki": {"neural", "generative", "standard"},
    "Burcu": {"neural"},
    "Lucia": {"neural", "generative", "standard"},
}
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/,]+)/(?P<date>\d{8})/(?P<region>[^/,]+)/"
    r"(?P<service>[^/,]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.coral.service/"
_STATUS = {429: "ThrottlingException", 500: "ServiceFailureException"}  # by status, untold


def expected_signature(
    *,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    signed: list[str],
    body: bytes,
    secret: str,
    scope: str,
) -> str:
    """The SigV4 signature of a request, from its parts as received. ``scope`` is
    ``date/region/service/aws4_request``; ``headers`` have lower-case names."""
    canonical_headers = "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in signed)
    pairs = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~"))
        for k, v in parse_qsl(query, keep_blank_values=True)
    )
    canonical = "\n".join(
        [
            method,
            quote(path, safe="/-_.~"),
            "&".join(f"{k}={v}" for k, v in pairs),
            canonical_headers,
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", headers["x-amz-date"], scope, _sha256(canonical)]
    )
    key = f"AWS4{secret}".encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class FakePolly(FakeProvider):
    """Speaks every valid, well-signed request; ``said`` holds each ``Text``."""

    name = "Amazon Polly"

    def __init__(
        self,
        access_key_id: str = TEST_ACCESS_KEY_ID,
        secret: str = TEST_SECRET,
        region: str = TEST_REGION,
        session_token: str | None = None,
    ) -> None:
        self.access_key_id = access_key_id
        self.secret = secret
        self.region = region
        self.session_token = session_token
        self.said: list[str] = []
        super().__init__()

    def routes(self) -> list[Route]:
        return [Route("/v1/speech", self.endpoint(self._speak), methods=["POST"])]

    def error(self, status: int, message: str, kind: str = "") -> Response:
        kind = kind or _STATUS.get(status, "ServiceFailureException")
        return JSONResponse(
            {"message": message}, status_code=status,
            headers={"x-amzn-ErrorType": f"{kind}:{_NAMESPACE}"},
        )  # fmt: skip

    async def authenticate(self, request: Request, body: bytes) -> Response | None:
        headers = {name.lower(): value for name, value in request.headers.items()}
        found = _AUTHORIZATION.match(headers.get("authorization", ""))
        if found is None:
            return self.error(403, "Missing Authentication Token", "MissingAuthenticationToken")
        if found["key"] != self.access_key_id:
            return self.error(
                403, "The security token included in the request is invalid.",
                "UnrecognizedClientException",
            )  # fmt: skip
        problem = self._unsigned(headers, found, body)
        if problem is None:
            scope = f"{found['date']}/{found['region']}/{found['service']}/aws4_request"
            signature = expected_signature(
                method=request.method, path=request.url.path, query=request.url.query,
                headers=headers, signed=found["signed"].split(";"), body=body,
                secret=self.secret, scope=scope,
            )  # fmt: skip
            if hmac.compare_digest(signature, found["signature"]):
                return None
            problem = (
                "The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method. Consult the "
                "service documentation for details."
            )
        return self.error(403, problem, "InvalidSignatureException")

    def _unsigned(self, headers: dict[str, str], found: re.Match[str], body: bytes) -> str | None:
        """What makes the signature unacceptable before it is even computed, if anything."""
        signed = found["signed"].split(";")
        scope = f"{found['region']}/{found['service']}"
        if scope != f"{self.region}/polly":
            return f"Credential should be scoped to {self.region}/polly, not {scope}."
        needed = {"host", "x-amz-date", "content-type"}
        if self.session_token is not None:
            if headers.get("x-amz-security-token") != self.session_token:
                return "The security token included in the request is invalid."
            needed.add("x-amz-security-token")
        if not needed <= set(signed) <= set(headers) or signed != sorted(signed):
            return f"SignedHeaders {';'.join(signed)} must be sorted and include {sorted(needed)}."
        sent = headers.get("x-amz-content-sha256")
        if sent is not None and sent != hashlib.sha256(body).hexdigest():
            return "The provided 'x-amz-content-sha256' header does not match what was computed."
        stamp = headers["x-amz-date"]
        try:
            moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return "Date must be in ISO-8601 'basic format'."
        if abs(datetime.now(UTC) - moment) > timedelta(minutes=15):
            return "Signature expired: the date is more than 15 minutes from now."
        if not stamp.startswith(found["date"]):
            return "Date in Credential scope does not match the x-amz-date header."
        return None

    async def _speak(self, request: Request, body: bytes) -> Response:
        if request.headers.get("content-type", "").split(";")[0] != "application/json":
            return self.error(400, "Content-Type must be application/json", "ValidationException")
        try:
            payload = json.loads(body)
        except ValueError:
            return self.error(400, "Invalid JSON", "ValidationException")
        problem = _invalid(payload)
        if problem is not None:
            return self.error(400, *problem)
        self.said.append(payload["Text"])
        audio = tone(int(payload.get("SampleRate", "16000")))
        headers = {"x-amzn-RequestCharacters": str(len(payload["Text"]))}
        return Response(audio, media_type="audio/pcm", headers=headers)


def _invalid(payload: Any) -> tuple[str, str] | None:
    """The message and error type for the first field that is wrong, or None."""
    if not isinstance(payload, dict) or not isinstance(payload.get("Text"), str):
        return "1 validation error detected: Value null at 'text'", "ValidationException"
    if len(payload["Text"]) > 3000:
        return "Maximum text length has been exceeded", "TextLengthExceededException"
    voice, engine = payload.get("VoiceId"), payload.get("Engine", "standard")
    if voice not in VOICES:
        return f"Value '{voice}' at 'voiceId' failed to satisfy constraint", "ValidationException"
    if engine not in VOICES[voice]:
        return (
            f"This voice does not support the selected engine: {engine}",
            "EngineNotSupportedException",
        )
    if payload.get("OutputFormat") not in ("json", "mp3", "ogg_vorbis", "pcm"):
        return "Value at 'outputFormat' failed to satisfy constraint", "ValidationException"
    if payload["OutputFormat"] == "pcm" and payload.get("SampleRate", "16000") not in (
        "8000",
        "16000",
    ):
        return "The specified sample rate is not valid.", "InvalidSampleRateException"
    if payload.get("TextType", "text") not in ("text", "ssml"):
        return "Value at 'textType' failed to satisfy constraint", "ValidationException"
    return None
