"""Amazon Polly: the fake's own SigV4 check held to AWS's published example, requests signed
by the engine accepted by it (with a session token too) and refused when anything is off, the
SynthesizeSpeech JSON, AWS's 400 ThrottlingException tried again, and engine kinds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from render.tts.base import SpeechError
from render.tts.polly import (
    ACCESS_KEY_ID,
    REGION,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    URL,
    PollyEngine,
)
from tests.fake_tts_cloud import serve, tone
from tests.fake_tts_cloud_polly import (
    TEST_ACCESS_KEY_ID,
    TEST_REGION,
    TEST_SECRET,
    FakePolly,
    expected_signature,
)

TOKEN = "FwoGZXIvYXdzEFakeSessionTokenForTheFake//////////wEaDO"


@pytest.fixture(scope="module")
def served() -> Iterator[FakePolly]:
    with serve(FakePolly()) as fake:
        yield fake


@pytest.fixture
def fake(served: FakePolly, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePolly]:
    served.reset()
    served.said.clear()
    served.session_token = None
    monkeypatch.setenv(ACCESS_KEY_ID, TEST_ACCESS_KEY_ID)
    monkeypatch.setenv(SECRET_ACCESS_KEY, TEST_SECRET)
    monkeypatch.setenv(REGION, TEST_REGION)
    monkeypatch.setenv(URL, served.url)
    monkeypatch.delenv(SESSION_TOKEN, raising=False)
    monkeypatch.setenv("VIDPAY_TTS_BACKOFF", "0.01")
    yield served
    served.session_token = None


def test_the_fakes_signature_check_is_awss_published_example() -> None:
    """AWS's signing documentation: POST to IAM on 2011-09-09 with the example credentials."""
    signature = expected_signature(
        method="POST",
        path="/",
        query="",
        headers={
            "content-type": "application/x-www-form-urlencoded; charset=utf-8",
            "host": "iam.amazonaws.com",
            "x-amz-date": "20110909T233600Z",
        },
        signed=["content-type", "host", "x-amz-date"],
        body=b"Action=ListUsers&Version=2010-05-08",
        secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        scope="20110909/us-east-1/iam/aws4_request",
    )
    assert signature == "ced6826de92d2bdeed8f846f0bf508e8559e98e4b0199114b84c54174deb456c"


def test_a_signed_request_is_accepted_and_spoken(fake: FakePolly) -> None:
    assert PollyEngine("nl").samples("Goedemiddag.", Path("unused")) == (tone(16_000), 16_000)
    (request,) = fake.requests
    assert request.path == "/v1/speech"
    assert request.headers["authorization"].startswith(
        f"AWS4-HMAC-SHA256 Credential={TEST_ACCESS_KEY_ID}/"
    )
    assert f"/{TEST_REGION}/polly/aws4_request" in request.headers["authorization"]
    assert request.json == {
        "Engine": "neural",
        "LanguageCode": "nl-NL",
        "OutputFormat": "pcm",
        "SampleRate": "16000",
        "Text": "Goedemiddag.",
        "TextType": "text",
        "VoiceId": "Laura",
    }


def test_temporary_credentials_send_and_sign_the_session_token(
    fake: FakePolly, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.session_token = TOKEN
    with pytest.raises(SpeechError, match="the key was refused"):
        PollyEngine("en").samples("Hello.", Path("unused"))
    monkeypatch.setenv(SESSION_TOKEN, TOKEN)
    assert PollyEngine("en").samples("Hello.", Path("unused"))[1] == 16_000
    assert fake.requests[-1].headers["x-amz-security-token"] == TOKEN


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        (
            SECRET_ACCESS_KEY,
            "not/the/secret/at/all/0000000000000000000",
            "InvalidSignatureException: The request signature we calculated does not match",
        ),
        (
            ACCESS_KEY_ID,
            "AKIAUNKNOWNKEY0000000",
            "UnrecognizedClientException: The security token included",
        ),
        (
            REGION,
            "us-east-1",
            "InvalidSignatureException: Credential should be scoped to eu-central-1/polly",
        ),
    ],
)
def test_wrong_credentials_are_refused_keys(
    fake: FakePolly, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SpeechError) as caught:
        PollyEngine("de").samples("Guten Tag.", Path("unused"))
    message = str(caught.value)
    assert f"polly, language de: the key was refused (HTTP 403: {said}" in message
    assert "polly:SynthesizeSpeech" in message and "clock" in message
    if variable == SECRET_ACCESS_KEY:
        assert value not in message
    assert len(fake.requests) == 1


def test_aws_throttling_is_a_400_that_is_tried_again(fake: FakePolly) -> None:
    fake.fail_next(400, kind="ThrottlingException")
    assert PollyEngine("es").samples("Hola.", Path("unused"))[1] == 16_000
    assert len(fake.requests) == 2
    # signed anew: the second attempt's signature is checked like the first
    assert fake.said == ["Hola."]


def test_an_engine_kind_the_voice_lacks_is_polly_s_own_words(fake: FakePolly) -> None:
    with pytest.raises(SpeechError) as caught:
        PollyEngine("nl", voice="Lotte").samples("Dag.", Path("unused"))
    message = str(caught.value)
    assert "HTTP 400: EngineNotSupportedException: This voice does not support" in message
    assert "check voice = 'Lotte' and model = 'neural'" in message


def test_the_engine_kind_is_part_of_the_identity(fake: FakePolly) -> None:
    generative = PollyEngine("nl", model="generative")
    assert generative.samples("Dag.", Path("unused"))[1] == 16_000
    assert fake.requests[0].json["Engine"] == "generative"
    assert "engine=generative" in generative.identity()
    assert generative.identity() != PollyEngine("nl").identity()
    with pytest.raises(ValueError, match="polly model must be one of neural, generative"):
        PollyEngine("nl", model="turbo")


def test_the_region_makes_the_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(URL, raising=False)
    monkeypatch.setenv(REGION, "eu-west-1")
    assert (
        str(PollyEngine("nl")._request("Dag.").url)
        == "https://polly.eu-west-1.amazonaws.com/v1/speech"
    )
    monkeypatch.setenv(REGION, "Frankfurt")
    with pytest.raises(
        SpeechError, match="VIDPAY_AWS_REGION must be a region such as eu-central-1"
    ):
        PollyEngine("nl")._request("Dag.")
