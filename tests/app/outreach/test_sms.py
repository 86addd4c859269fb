"""The SMS channel: counting parts, the file provider, Sinch over real HTTP (a fake Sinch on
loopback), Sinch's callbacks, STOP words and callback signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.outreach.sinch import (
    DeliveryReport,
    SinchProvider,
    parse_delivery_report,
    parse_inbound,
    verify_callback,
)
from app.outreach.sms import (
    GSM7_BASIC,
    MAX_PARTS,
    Encoding,
    FileProvider,
    SmsError,
    encoding,
    fits,
    is_stop,
)
from tests.fake_sinch import TEST_API_TOKEN, TEST_SERVICE_PLAN_ID, FakeSinch, serve_fake_sinch

PHONE = "+31612345678"
CALLBACK = "https://vidpay.example/webhooks/sms/sinch"
SECRET = "sms-callback-secret-7f3a"

# Counting.


def test_gsm7_text_of_160_is_one_part_and_161_two_of_153() -> None:
    assert encoding("a" * 160) == Encoding("GSM-7", 160, 1)
    assert encoding("a" * 161) == Encoding("GSM-7", 161, 2)
    assert encoding("a" * 306) == Encoding("GSM-7", 306, 2)
    assert encoding("a" * 307) == Encoding("GSM-7", 307, 3)


def test_empty_text_is_one_part() -> None:
    assert encoding("") == Encoding("GSM-7", 0, 1)


@pytest.mark.parametrize("char", list("€[]{}^~\\|\f"))
def test_extension_characters_cost_two_septets(char: str) -> None:
    assert encoding(char) == Encoding("GSM-7", 2, 1)
    assert encoding("a" + char + "a").units == 4


def test_eighty_euro_signs_fill_one_part() -> None:
    assert encoding("€" * 80) == Encoding("GSM-7", 160, 1)
    # 81 take 162 septets: 76 fit in a part of 153 (152 septets), 5 go to the second
    assert encoding("€" * 81) == Encoding("GSM-7", 162, 2)


def test_escape_and_its_character_are_not_split_across_parts() -> None:
    # 306 septets would fill two parts of 153 exactly, but € would straddle the boundary
    text = "a" * 152 + "€" + "a" * 152
    assert encoding(text) == Encoding("GSM-7", 306, 3)
    assert encoding("a" * 151 + "€" + "a" * 153) == Encoding("GSM-7", 306, 2)


def test_turkish_names_are_ucs2() -> None:
    assert encoding("Şükrü Yılmaz") == Encoding("UCS-2", 12, 1)
    assert encoding("ğ").alphabet == "UCS-2"
    assert encoding("ı").alphabet == "UCS-2"
    assert encoding("Sayın Ayşe Doğan").alphabet == "UCS-2"


def test_ucs2_text_of_70_is_one_part_and_71_two_of_67() -> None:
    assert encoding("ş" * 70) == Encoding("UCS-2", 70, 1)
    assert encoding("ş" * 71) == Encoding("UCS-2", 71, 2)
    assert encoding("ş" * 134) == Encoding("UCS-2", 134, 2)
    assert encoding("ş" * 135) == Encoding("UCS-2", 135, 3)


def test_emoji_is_a_surrogate_pair_not_split_across_parts() -> None:
    assert encoding("😀") == Encoding("UCS-2", 2, 1)
    assert encoding("😀" * 35) == Encoding("UCS-2", 70, 1)
    assert encoding("😀" * 36) == Encoding("UCS-2", 72, 2)
    # 134 units would fill two parts of 67, but the emoji would straddle the boundary
    assert encoding("ş" * 66 + "😀" + "ş" * 66) == Encoding("UCS-2", 134, 3)
    assert encoding("ş" * 65 + "😀" + "ş" * 67) == Encoding("UCS-2", 134, 2)


@pytest.mark.parametrize("char", list("éüñöäÄÖÜÑßàèùìòÇÉåÅøØæÆ¿¡§£¥¤@$_ΔΦΓΛΩΠΨΣΘΞ"))
def test_gsm7_basic_letters_cost_one_septet(char: str) -> None:
    assert encoding(char) == Encoding("GSM-7", 1, 1)


@pytest.mark.parametrize("char", [*"çáíóúâêîôûëïãõ", "\u00a0", "’", "“"])
def test_characters_outside_the_gsm7_table_make_ucs2(char: str) -> None:
    # lowercase ç: many phones map it to Ç, but GSM 03.38 lists only Ç (0x09)
    assert encoding(char).alphabet == "UCS-2"


def test_gsm7_basic_table_has_its_127_characters() -> None:
    assert len(GSM7_BASIC) == 127  # 128 codes, less the escape


@pytest.mark.parametrize(
    ("text", "alphabet"),
    [
        ("Beste heer Jansen, uw betaling van € 49,40 staat nog open.", "GSM-7"),
        ("Één video over uw betaling. Reageer met STOP om te stoppen.", "GSM-7"),
        ("Sehr geehrte Frau Müller, bitte begleichen Sie Ihre Rechnung. Grüße", "GSM-7"),
        ("¿Señor Muñoz? Le enviamos un vídeo sobre su pago.", "UCS-2"),  # í
        ("Estimado señor Núñez, su pago está pendiente.", "UCS-2"),  # ú, á
        ("Hola señor Muñoz, le enviamos un video sobre su pago.", "GSM-7"),
        ("Uw betaling is geïnd.", "UCS-2"),  # ï
        ("Een video uit België.", "UCS-2"),  # ë
        ("Merci, François.", "UCS-2"),  # ç
    ],
)
def test_dutch_german_spanish_texts(text: str, alphabet: str) -> None:
    assert encoding(text).alphabet == alphabet


def test_fits_at_most_two_parts() -> None:
    assert MAX_PARTS == 2
    assert fits("a" * 306)
    assert not fits("a" * 307)
    assert fits("ş" * 134)
    assert not fits("ş" * 135)


# The file provider.


def test_file_provider_writes_one_readable_file_per_message(tmp_path: Path) -> None:
    folder = tmp_path / "sms" / "outbox"
    provider = FileProvider(folder)
    assert folder.is_dir()
    first = provider.send(to=PHONE, text="Hallo Şükrü", reference="link-sms-7", callback_url=None)
    second = provider.send(to=PHONE, text="a" * 200, reference="link-sms-7", callback_url=CALLBACK)
    files = sorted(folder.iterdir())
    assert len(files) == 2
    assert all(path.name.startswith("link-sms-7-") and path.suffix == ".json" for path in files)
    records = {json.loads(path.read_text("utf-8"))["provider_id"]: path for path in files}
    assert set(records) == {first.provider_id, second.provider_id}
    assert first.provider_id.startswith("file-") and first.parts == 1 and second.parts == 2
    record = json.loads(records[first.provider_id].read_text("utf-8"))
    assert record["to"] == PHONE
    assert record["text"] == "Hallo Şükrü"
    assert record["reference"] == "link-sms-7"
    assert (record["alphabet"], record["parts"]) == ("UCS-2", 1)
    assert datetime.fromisoformat(record["at"]).tzinfo is not None
    provider.close()


def test_file_provider_names_files_safely(tmp_path: Path) -> None:
    provider = FileProvider(tmp_path)
    provider.send(to=PHONE, text="Hi", reference="../../etc/passwd ök", callback_url=None)
    provider.send(to=PHONE, text="Hi", reference="...", callback_url=None)
    names = sorted(path.name for path in tmp_path.iterdir())
    assert len(names) == 2
    assert all("/" not in name and not name.startswith(".") for name in names)
    assert any(name.startswith("etc_passwd_") for name in names)
    assert any(name.startswith("message-") for name in names)
    assert not list(tmp_path.parent.glob("passwd*"))


@pytest.mark.parametrize(
    ("to", "text", "reference"),
    [
        ("0612345678", "Hi", "ref"),  # not E.164
        ("31612345678", "Hi", "ref"),
        (PHONE, "a" * 307, "ref"),  # three parts
        (PHONE, "   ", "ref"),
        (PHONE, "Hi", ""),
        (PHONE, "Hi", "r" * 129),
        (PHONE, "Hi", "line\nbreak"),
    ],
)
def test_file_provider_refuses_what_sinch_would_refuse(
    tmp_path: Path, to: str, text: str, reference: str
) -> None:
    with pytest.raises(SmsError) as caught:
        FileProvider(tmp_path).send(to=to, text=text, reference=reference, callback_url=None)
    assert caught.value.transient is False
    assert not list(tmp_path.iterdir())


# Sinch, against the fake over real HTTP.


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSinch]:
    with serve_fake_sinch() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeSinch) -> Iterator[FakeSinch]:
    """The module's fake, emptied for each test."""
    server.reset()
    yield server
    server.reset()


@pytest.fixture(scope="module")
def provider(server: FakeSinch) -> Iterator[SinchProvider]:
    with SinchProvider(
        service_plan_id=TEST_SERVICE_PLAN_ID,
        api_token=TEST_API_TOKEN,
        sender="VidPay",
        base_url=server.url,
        timeout=2.0,
    ) as provider:
        yield provider


def send(provider: SinchProvider, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "to": PHONE,
        "text": "Incasso BV: een korte video over uw betaling: https://vidpay.example/v/Ab3 STOP",
        "reference": "link-sms-42",
        "callback_url": CALLBACK,
    }
    return provider.send(**(arguments | overrides))


def test_send_posts_a_documented_batch(fake: FakeSinch, provider: SinchProvider) -> None:
    receipt = send(provider)
    [request] = fake.requests
    assert request.method == "POST"
    assert request.path == f"/xms/v1/{TEST_SERVICE_PLAN_ID}/batches"
    assert request.headers["authorization"] == f"Bearer {TEST_API_TOKEN}"
    assert request.headers["content-type"] == "application/json"
    body = request.json
    assert body["from"] == "VidPay"
    assert body["to"] == [PHONE]
    assert body["body"].startswith("Incasso BV: ")
    assert body["client_reference"] == "link-sms-42"
    assert body["delivery_report"] == "per_recipient"
    assert body["callback_url"] == CALLBACK
    assert body["max_number_of_message_parts"] == MAX_PARTS
    assert receipt.provider_id in fake.batches
    assert receipt.parts == 1
    assert fake.batches[receipt.provider_id]["to"] == ["31612345678"]  # returned without +


def test_send_without_callback_asks_no_delivery_report(
    fake: FakeSinch, provider: SinchProvider
) -> None:
    receipt = send(provider, callback_url=None, text="ş" * 100)
    body = fake.requests[0].json
    assert body["delivery_report"] == "none"
    assert "callback_url" not in body
    assert receipt.parts == 2


def test_wrong_token_is_not_transient(fake: FakeSinch) -> None:
    with (
        SinchProvider(
            service_plan_id=TEST_SERVICE_PLAN_ID,
            api_token="wrong-token",
            sender="VidPay",
            base_url=fake.url,
        ) as wrong,
        pytest.raises(SmsError) as caught,
    ):
        send(wrong)
    assert caught.value.transient is False
    assert "HTTP 401" in str(caught.value)
    assert "wrong-token" not in str(caught.value)
    assert not fake.batches


def test_wrong_service_plan_is_not_transient(fake: FakeSinch) -> None:
    with (
        SinchProvider(
            service_plan_id="another-plan",
            api_token=TEST_API_TOKEN,
            sender="VidPay",
            base_url=fake.url,
        ) as wrong,
        pytest.raises(SmsError) as caught,
    ):
        send(wrong)
    assert caught.value.transient is False
    assert fake.requests[0].path == "/xms/v1/another-plan/batches"


def test_bad_request_is_not_transient_and_names_sinch_code(
    fake: FakeSinch, provider: SinchProvider
) -> None:
    with pytest.raises(SmsError) as caught:
        send(provider, callback_url="not a url")
    assert caught.value.transient is False
    assert "HTTP 400" in str(caught.value)
    assert "syntax_invalid_parameter_format" in str(caught.value)
    assert "callback_url" in str(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(fake: FakeSinch, provider: SinchProvider, status: int) -> None:
    fake.fail_next(status)
    with pytest.raises(SmsError) as caught:
        send(provider)
    assert caught.value.transient is True
    assert f"HTTP {status}" in str(caught.value)
    assert "fake_failure" in str(caught.value)
    # the next attempt goes through
    assert send(provider).provider_id in fake.batches


def test_rate_limit_is_transient_with_retry_after(fake: FakeSinch, provider: SinchProvider) -> None:
    fake.rate_limit_next(retry_after="7")
    with pytest.raises(SmsError) as caught:
        send(provider)
    assert caught.value.transient is True
    assert caught.value.retry_after == 7.0
    assert "HTTP 429" in str(caught.value)


def test_rate_limit_with_an_http_date(fake: FakeSinch, provider: SinchProvider) -> None:
    fake.fail_next(429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")  # in the past
    with pytest.raises(SmsError) as caught:
        send(provider)
    assert caught.value.retry_after == 0.0


def test_forbidden_is_not_transient(fake: FakeSinch, provider: SinchProvider) -> None:
    fake.respond_next(403, b'{"code": "unknown_campaign", "text": "Campaign does not match"}')
    with pytest.raises(SmsError) as caught:
        send(provider)
    assert caught.value.transient is False
    assert "unknown_campaign: Campaign does not match" in str(caught.value)


def test_timeout_is_transient(fake: FakeSinch) -> None:
    fake.hang_next(5)
    with SinchProvider(
        service_plan_id=TEST_SERVICE_PLAN_ID,
        api_token=TEST_API_TOKEN,
        sender="VidPay",
        base_url=fake.url,
        timeout=0.3,
    ) as impatient:
        started = time.monotonic()
        with pytest.raises(SmsError) as caught:
            send(impatient)
    assert caught.value.transient is True
    assert "no answer in time" in str(caught.value)
    assert time.monotonic() - started < 3


def test_network_error_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the request: nobody listens
    with (
        SinchProvider(
            service_plan_id=TEST_SERVICE_PLAN_ID,
            api_token=TEST_API_TOKEN,
            sender="VidPay",
            base_url=f"http://127.0.0.1:{port}",
        ) as unreachable,
        pytest.raises(SmsError) as caught,
    ):
        send(unreachable)
    assert caught.value.transient is True
    assert "ConnectError" in str(caught.value)


def test_created_without_a_usable_answer_is_not_retried(
    fake: FakeSinch, provider: SinchProvider
) -> None:
    fake.respond_next(201, b"<html>oops</html>", "text/html")
    with pytest.raises(SmsError) as caught:
        send(provider)
    assert caught.value.transient is False
    assert "may have been created" in str(caught.value)
    fake.respond_next(201, b'{"to": ["31612345678"]}')
    with pytest.raises(SmsError, match="without a batch id"):
        send(provider)


def test_token_echoed_in_an_error_is_cut_out(fake: FakeSinch, provider: SinchProvider) -> None:
    fake.respond_next(500, f"bad token {TEST_API_TOKEN}".encode(), "text/plain")
    with pytest.raises(SmsError) as caught:
        send(provider)
    assert TEST_API_TOKEN not in str(caught.value)
    assert "[api token]" in str(caught.value)


def test_bad_number_and_long_text_cost_no_request(fake: FakeSinch, provider: SinchProvider) -> None:
    for overrides in ({"to": "0612345678"}, {"text": "€" * 200}):
        with pytest.raises(SmsError) as caught:
            send(provider, **overrides)
        assert caught.value.transient is False
    assert not fake.requests


def test_base_url_is_overridable_and_a_given_client_is_left_open(fake: FakeSinch) -> None:
    with httpx.Client() as client:
        provider = SinchProvider(
            service_plan_id=TEST_SERVICE_PLAN_ID,
            api_token=TEST_API_TOKEN,
            sender="+3197010203040",
            base_url=fake.url + "/",
            client=client,
        )
        assert provider.url == f"{fake.url}/xms/v1/{TEST_SERVICE_PLAN_ID}/batches"
        receipt = send(provider)
        provider.close()
        assert not client.is_closed
        batch = client.get(
            f"{fake.url}/xms/v1/{TEST_SERVICE_PLAN_ID}/batches/{receipt.provider_id}",
            headers={"Authorization": f"Bearer {TEST_API_TOKEN}"},
        ).json()
    assert batch["from"] == "+3197010203040"
    assert batch["client_reference"] == "link-sms-42"


def test_default_base_url_is_sinchs_us_region() -> None:
    provider = SinchProvider(service_plan_id="plan", api_token="token", sender="VidPay")
    assert provider.url == "https://us.sms.api.sinch.com/xms/v1/plan/batches"
    provider.close()


# The fake itself, where our provider cannot reach (it never sends these).


def test_fake_rejects_malformed_bodies_in_sinchs_shape(fake: FakeSinch) -> None:
    url = f"{fake.url}/xms/v1/{TEST_SERVICE_PLAN_ID}/batches"
    headers = {"Authorization": f"Bearer {TEST_API_TOKEN}", "Content-Type": "application/json"}
    cases = [
        (b"{not json", 400, "syntax_invalid_json"),
        (b'{"from": "VidPay", "to": ["12"], "body": "Hi"}', 400, "syntax_invalid_parameter_format"),
        (b'{"from": "VidPay", "to": [], "body": "Hi"}', 400, "syntax_constraint_violation"),
        (b'{"to": ["31612345678"], "body": "Hi"}', 400, "syntax_constraint_violation"),
        (
            b'{"from": "V", "to": ["31612345678"], "body": "Hi", "delivery_report": "full"}',
            403,
            "missing_callback_url",
        ),
    ]
    with httpx.Client() as client:
        for content, status, code in cases:
            response = client.post(url, content=content, headers=headers)
            assert response.status_code == status, content
            assert response.json()["code"] == code
            assert isinstance(response.json()["text"], str)


# Delivery reports.


def test_recipient_delivery_report_as_documented() -> None:
    body = json.dumps(
        {
            "type": "recipient_delivery_report_sms",
            "batch_id": "01FC66621XXXXX119Z8PMV1QPQ",
            "recipient": "31612345678",
            "code": 0,
            "status": "Delivered",
            "at": "2024-06-07T14:03:26.536Z",
            "operator_status_at": "2024-06-07T14:03:00Z",
            "client_reference": "link-sms-42",
            "applied_originator": "VidPay",
        }
    ).encode()
    assert parse_delivery_report(body) == [
        DeliveryReport(
            provider_id="01FC66621XXXXX119Z8PMV1QPQ",
            reference="link-sms-42",
            recipient="+31612345678",
            status="delivered",
            code=0,
            at=datetime(2024, 6, 7, 14, 3, 26, 536000, tzinfo=UTC),
        )
    ]


def test_fake_built_report_parses() -> None:
    body = FakeSinch.recipient_report("01ABC", PHONE, status="Dispatched", code=401)
    [report] = parse_delivery_report(body)
    assert (report.recipient, report.status, report.code, report.reference) == (
        PHONE,
        "pending",
        401,
        None,
    )
    assert report.at is not None and report.at.tzinfo is UTC


@pytest.mark.parametrize(
    ("sinch", "ours"),
    [
        ("Delivered", "delivered"),
        ("DELIVERED", "delivered"),
        ("Failed", "failed"),
        ("Rejected", "failed"),
        ("Expired", "failed"),
        ("Aborted", "failed"),
        ("Cancelled", "failed"),
        ("Deleted", "failed"),
        ("Queued", "pending"),
        ("Dispatched", "pending"),
        ("Unknown", "pending"),
        ("SomethingNew", "pending"),
    ],
)
def test_statuses_map_to_ours(sinch: str, ours: str) -> None:
    body = FakeSinch.recipient_report("01ABC", PHONE, status=sinch, code=402)
    assert parse_delivery_report(body)[0].status == ours


def test_older_docs_string_code_and_offsetless_time() -> None:
    body = b"""{"type": "recipient_delivery_report_sms", "batch_id": "b1", "recipient": "123456789",
        "code": "0", "status": "Delivered", "at": "2016-10-02T09:34:18.542"}"""
    [report] = parse_delivery_report(body)
    assert report.code == 0
    assert report.at == datetime(2016, 10, 2, 9, 34, 18, 542000, tzinfo=UTC)


def test_batch_delivery_reports() -> None:
    full = {
        "type": "delivery_report_sms",
        "batch_id": "b1",
        "total_message_count": 3,
        "client_reference": "link-sms-42",
        "statuses": [
            {"code": 400, "status": "Queued", "count": 1, "recipients": ["123456789"]},
            {"code": 0, "status": "Delivered", "count": 2, "recipients": ["987654321", "12345"]},
        ],
    }
    reports = parse_delivery_report(json.dumps(full).encode())
    assert [(r.recipient, r.status, r.code) for r in reports] == [
        ("+123456789", "pending", 400),
        ("+987654321", "delivered", 0),
        ("12345", "delivered", 0),  # a short code keeps its form
    ]
    assert {(r.provider_id, r.reference, r.at) for r in reports} == {("b1", "link-sms-42", None)}
    summary = full | {"statuses": [{"code": 0, "status": "Delivered", "count": 1}]}
    [report] = parse_delivery_report(json.dumps(summary).encode())
    assert (report.recipient, report.status) == ("", "delivered")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b"[]", "expected a JSON object"),
        (b'{"type": "mo_text"}', "not an SMS delivery report"),
        (b'{"type": "recipient_delivery_report_mms", "batch_id": "b"}', "not an SMS"),
        (
            b'{"type": "recipient_delivery_report_sms", "recipient": "1", "status": "Delivered"}',
            "batch_id",
        ),
        (
            b'{"type": "recipient_delivery_report_sms", "batch_id": "b", "status": "Delivered"}',
            "recipient",
        ),
        (
            b'{"type": "recipient_delivery_report_sms", "batch_id": "b", "recipient": "1",'
            b' "status": "Delivered", "code": "zero"}',
            "code must be an integer",
        ),
        (
            b'{"type": "recipient_delivery_report_sms", "batch_id": "b", "recipient": "1",'
            b' "status": "Delivered", "at": "yesterday"}',
            "at is not an ISO-8601",
        ),
        (b'{"type": "delivery_report_sms", "batch_id": "b", "statuses": {}}', "statuses"),
        (
            b'{"type": "delivery_report_sms", "batch_id": "b",'
            b' "statuses": [{"status": "Failed", "code": 402, "recipients": "31"}]}',
            "recipients",
        ),
    ],
)
def test_malformed_delivery_reports(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_delivery_report(body)


# Inbound texts.


def test_inbound_text_as_documented() -> None:
    body = json.dumps(
        {
            "type": "mo_text",
            "id": "01FC66621XXXXX119Z8PMV1QPA",
            "from": "31612345678",
            "to": "3197010203040",
            "body": "STOP",
            "operator_id": "20416",
            "sent_at": "2024-06-07T14:03:24Z",
            "received_at": "2024-06-07T14:03:26.536Z",
        }
    ).encode()
    message = parse_inbound(body)
    assert message.sender == "+31612345678"
    assert message.to == "+3197010203040"
    assert message.text == "STOP"
    assert message.provider_id == "01FC66621XXXXX119Z8PMV1QPA"
    assert message.at == datetime(2024, 6, 7, 14, 3, 26, 536000, tzinfo=UTC)
    assert is_stop(message.text)


def test_inbound_text_built_by_the_fake() -> None:
    message = parse_inbound(FakeSinch.inbound_text(PHONE, "12345", "Stopp bitte 🙏"))
    assert (message.sender, message.to, message.text) == (PHONE, "12345", "Stopp bitte 🙏")
    assert is_stop(message.text)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not JSON"),
        (b'"STOP"', "expected a JSON object"),
        (b'{"type": "mo_binary", "id": "x", "from": "1", "to": "2", "body": "AAE="}', "not an"),
        (b'{"type": "mo_text", "id": "x", "to": "2", "body": "STOP"}', "from"),
        (b'{"type": "mo_text", "id": "x", "from": "1", "to": "2"}', "body must be a string"),
        (b'{"type": "mo_text", "from": "1", "to": "2", "body": "STOP"}', "id"),
        (
            b'{"type": "mo_text", "id": "x", "from": "1", "to": "2", "body": "x",'
            b' "received_at": 12}',
            "received_at",
        ),
    ],
)
def test_malformed_inbound(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_inbound(body)


# STOP.


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        " Stop ",
        "STOP.",
        "*STOP*",
        "'stop'",
        "STOP ALL",
        "stop alles",
        "Stopp",
        "STOPPEN",
        "Unsubscribe",
        "afmelden",
        "Abmelden bitte",
        "DUR",
        "dur",
        "IPTAL",
        "iptal",
        "İptal",
        "İPTAL",
        "ıptal",
        "BAJA",
        "Cancelar",
        "¡Baja!",
        "STOP sending me this",
        "\nstop\n",
    ],
)
def test_stop_words(text: str) -> None:
    assert is_stop(text)


@pytest.mark.parametrize(
    "text",
    [
        "don't stop",
        "Please stop",
        "I will pay, stop calling",
        "Stopped by the bank today",
        "stopwatch",
        "2 stop",
        "Hallo",
        "",
        "   ",
        "...",
        "Ok 👍",
        "Durum nedir?",  # Turkish "what is the status?", not "dur"
    ],
)
def test_not_stop(text: str) -> None:
    assert not is_stop(text)


# Callback signatures.


def test_signature_made_as_sinch_signs_verifies() -> None:
    body = FakeSinch.recipient_report("01ABC", PHONE, client_reference="link-sms-42")
    headers = FakeSinch.sign(body, SECRET)
    assert verify_callback(headers, body, SECRET)
    shouted = {name.upper(): value for name, value in headers.items()}
    assert verify_callback(shouted, body, SECRET)


def test_sinch_sdk_test_vector_verifies() -> None:
    # The vector in Sinch's .NET SDK tests for the same x-sinch-webhook-signature scheme.
    body = (
        b'{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":'
        b'"e2df3a34-a71b-4448-9db5-a8d2baad28e4","contact_create_notification":{"contact":'
        b'{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS",'
        b'"identity":"48123456789","app_id":""}],"display_name":"New Test Contact","email":'
        b'"new.contact@email.com","external_id":"","metadata":"","language":"EN_US"}},'
        b'"message_metadata":""}'
    )
    headers = {
        "x-sinch-webhook-signature-nonce": "01FJA8B4A7BM43YGWSG9GBV067",
        "x-sinch-webhook-signature-timestamp": "1634579353",
        "x-sinch-webhook-signature": "6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=",
    }
    assert verify_callback(headers, body, "foo_secret1234")
    assert not verify_callback(headers, body + b" ", "foo_secret1234")


def test_signatures_that_do_not_verify() -> None:
    body = FakeSinch.inbound_text(PHONE, "12345", "STOP")
    headers = FakeSinch.sign(body, SECRET)
    assert not verify_callback(headers, body.replace(b"STOP", b"OK"), SECRET)
    assert not verify_callback(headers, body, "another-secret")
    assert not verify_callback(headers, body, "")
    for required in ("", "-nonce", "-timestamp"):
        name = f"x-sinch-webhook-signature{required}"
        assert not verify_callback({k: v for k, v in headers.items() if k != name}, body, SECRET)
    # without the algorithm header, HmacSHA256 is assumed
    algorithm = "x-sinch-webhook-signature-algorithm"
    assert verify_callback({k: v for k, v in headers.items() if k != algorithm}, body, SECRET)
    assert not verify_callback(headers | {"x-sinch-webhook-signature-nonce": "other"}, body, SECRET)
    assert not verify_callback(headers | {"x-sinch-webhook-signature": "ünïcode"}, body, SECRET)
    assert not verify_callback(
        headers | {"x-sinch-webhook-signature-algorithm": "HmacMD5"}, body, SECRET
    )
    assert not verify_callback({}, body, SECRET)


def test_sha512_signature_verifies() -> None:
    body = b'{"type": "mo_text"}'
    signed = body + b".n0nce.1700000000"
    signature = base64.b64encode(hmac.new(SECRET.encode(), signed, hashlib.sha512).digest())
    headers = {
        "X-Sinch-Webhook-Signature": signature.decode(),
        "X-Sinch-Webhook-Signature-Nonce": "n0nce",
        "X-Sinch-Webhook-Signature-Timestamp": "1700000000",
        "X-Sinch-Webhook-Signature-Algorithm": "HmacSHA512",
    }
    assert verify_callback(headers, body, SECRET)
