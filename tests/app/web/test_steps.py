"""Every self-service step and every policy rule, through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.case import case_of
from app.config import Settings
from app.models import Debtor, Document, Event, Outcome, Payment

NL = "DEMO-NL-1"  # owes €\u00a0148,20 (Babel writes a no-break space)


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def _post(
    web: TestClient, token: str, node: str, fields: dict[str, str], *, mode: str = "video"
) -> Response:
    form = {"submission": str(uuid.uuid4()), **fields}
    return web.post(f"/v/{token}/step/{node}?lang=nl&mode={mode}", data=form)


def _outcomes(db: Session) -> list[Outcome]:
    db.expire_all()
    return list(db.scalars(select(Outcome).order_by(Outcome.id)))


def test_every_step_page_is_offered_in_the_debtors_language(
    web: TestClient, campaign: dict[str, str]
) -> None:
    token = campaign[NL]
    for node in ("pay_how", "plan", "later", "cannot_pay", "dispute", "already_paid", "callback"):
        page = web.get(f"/v/{token}/step/{node}?lang=nl")
        assert page.status_code == 200, node
        assert '<html lang="nl">' in page.text
        assert 'name="submission"' in page.text


def test_a_payment_plan_is_previewed_then_stored_adding_up_to_the_cent(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    first = _today() + timedelta(days=3)
    fields = {"amount_cents": "14820", "installments": "5", "first_date": first.isoformat()}
    preview = _post(web, token, "plan", fields)
    assert preview.status_code == 200
    assert "€\u00a029,64" in preview.text and "Totaal" in preview.text
    assert _outcomes(db) == []
    submission = str(uuid.uuid4())
    confirm = {"submission": submission, **fields, "confirm": "yes"}
    done = web.post(f"/v/{token}/step/plan?lang=nl", data=confirm)
    assert done.status_code == 303
    assert done.headers["location"] == f"/v/{token}/agreed?lang=nl&mode=video&next=thanks"
    again = web.post(f"/v/{token}/step/plan?lang=nl", data=confirm)  # sent twice: stored once
    assert again.status_code == 303
    (outcome,) = _outcomes(db)
    assert outcome.action == "arrangement"
    assert [i.amount_cents for i in outcome.installments] == [2964] * 5
    assert sum(i.amount_cents for i in outcome.installments) == 14820
    assert outcome.installments[0].due == first
    assert outcome.installments[1].due.month == (first.month % 12) + 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"installments": "7"}, "Kies een aantal betalingen uit de lijst."),
        ({"installments": "6"}, "Kies een aantal betalingen uit de lijst."),  # 148,20 / 6 < 25,00
        ({"installments": "1"}, "Kies een aantal betalingen uit de lijst."),
        ({"installments": "x"}, "Kies een aantal."),
        ({"first_date": "2020-01-01"}, "Kies een datum van"),
        ({"first_date": "soon"}, "Kies een datum."),
        ({"amount_cents": "100"}, "Het bedrag klopt niet met wat u moet betalen."),
    ],
)
def test_payment_plan_rules_are_enforced_and_nothing_is_stored(
    web: TestClient, campaign: dict[str, str], db: Session, fields: dict[str, str], message: str
) -> None:
    good = {
        "amount_cents": "14820",
        "installments": "3",
        "first_date": _today().isoformat(),
        "confirm": "yes",
    }
    response = _post(web, campaign[NL], "plan", {**good, **fields})
    assert response.status_code == 422
    assert message in response.text
    assert _outcomes(db) == []


def test_pay_later_within_the_window(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    too_late = (_today() + timedelta(days=31)).isoformat()
    assert _post(web, token, "later", {"date": too_late}).status_code == 422
    assert _post(web, token, "later", {"date": _today().isoformat()}).status_code == 422
    fine = (_today() + timedelta(days=30)).isoformat()
    response = _post(web, token, "later", {"date": fine}, mode="text")
    assert response.headers["location"] == f"/v/{token}/agreed?lang=nl&mode=text&next=thanks"
    (outcome,) = _outcomes(db)
    assert (outcome.action, outcome.details["date"], outcome.details["amount_cents"]) == (
        "later",
        fine,
        14820,
    )


def test_dispute_marks_the_debtor_disputed(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    assert _post(web, token, "dispute", {"reason": "no"}).status_code == 422
    assert (
        _post(
            web, token, "dispute", {"reason": "Ik ben al lang verhuisd.", "phone": "call me"}
        ).status_code
        == 422
    )
    assert (
        _post(
            web,
            token,
            "dispute",
            {"reason": "Ik ben al lang verhuisd.", "phone": "+31 6 1234 5678"},
        ).status_code
        == 303
    )
    (outcome,) = _outcomes(db)
    assert outcome.details == {"reason": "Ik ben al lang verhuisd.", "phone": "+31 6 1234 5678"}
    debtor = db.scalar(select(Debtor).where(Debtor.reference == NL))
    assert debtor is not None and debtor.disputed


def test_already_paid_asks_how_much_and_when(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]  # owes € 148,20
    today = _today().isoformat()
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    refused = {
        "De betaaldatum kan niet in de toekomst liggen.": {"amount": "10", "date": tomorrow},
        "Kies een datum in het afgelopen jaar.": {"amount": "10", "date": "2001-01-01"},
        "Het bedrag dat u betaalde moet meer dan nul zijn.": {"amount": "0,00", "date": today},
        "niet meer zijn dan u verschuldigd bent": {"amount": "148,21", "date": today},
        "Vul het bedrag in euro in": {"amount": "tien euro", "date": today},
        "Het betalingskenmerk is te lang.": {"amount": "10", "date": today, "reference": "x" * 101},
    }
    for message, fields in refused.items():
        page = _post(web, token, "already_paid", fields)
        assert page.status_code == 422, fields
        assert message in page.text, page.text
        assert 'role="alert"' in page.text and f'value="{fields["amount"]}"' in page.text
    assert _outcomes(db) == []
    for typed, cents in (("148,20", 14820), ("€ 25.5", 2550), ("12", 1200)):
        fields = {"amount": typed, "date": today, "reference": "NL12 INGB 42"}
        ok = _post(web, token, "already_paid", fields)
        assert ok.status_code == 303
        assert ok.headers["location"].startswith(f"/v/{token}/reported?lang=nl")
        expected = {"amount_cents": cents, "date": today, "reference": "NL12 INGB 42"}
        assert _outcomes(db)[-1].details == expected
    confirmation = web.get(ok.headers["location"])
    assert confirmation.status_code == 200
    assert "We controleren uw betaling en laten het u weten." in confirmation.text
    assert "€\u00a012,00" in confirmation.text and "NL12 INGB 42" in confirmation.text


def _open_times(page: str) -> dict[str, list[str]]:
    """The days the callback form offers, each with the times it offers on that day."""
    days = re.findall(r'<option value="(\d{4}-\d\d-\d\d)" data-times="([\d: ]*)"', page)
    return {day: times.split() for day, times in days}


def test_callback_only_at_offered_times(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    days = _open_times(web.get(f"/v/{token}/step/callback?lang=nl").text)
    day, times = next(iter(days.items()))
    assert times
    night = _post(web, token, "callback", {"phone": "+31 6 1234 5678", "day": day, "time": "03:00"})
    assert night.status_code == 422
    assert "om 03:00 kunnen we u niet bellen" in night.text
    no_phone = {"phone": "", "day": day, "time": times[0]}
    assert _post(web, token, "callback", no_phone).status_code == 422
    picked = {"phone": "+31 6 1234 5678", "day": day, "time": times[0]}
    assert _post(web, token, "callback", picked).status_code == 303
    (outcome,) = _outcomes(db)
    assert outcome.details == {"phone": "+31 6 1234 5678", "slot": f"{day}T{times[0]}"}


def test_help_refers_and_optionally_plans_a_callback(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    page = web.get(f"/v/{token}/step/cannot_pay?lang=nl").text
    assert 'href="https://example.org/debt-help"' in page
    nothing = {"phone": "", "day": "", "time": ""}
    assert _post(web, token, "cannot_pay", nothing).status_code == 303
    (outcome,) = _outcomes(db)
    assert outcome.details == {"referred": True}


def test_the_demo_payment_is_paid_once_and_leads_on(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    assert _post(web, token, "pay_how", {"amount_cents": "99"}).status_code == 422
    started = _post(web, token, "pay_how", {"amount_cents": "14820"})
    checkout = started.headers["location"]
    assert re.match(r"^http://127\.0\.0\.1:8000/pay/demo/demo_[\w-]+\?lang=nl$", checkout)
    path = checkout.removeprefix("http://127.0.0.1:8000")
    page = web.get(path)
    assert "€\u00a0148,20" in page.text
    paid = web.post(path.split("?")[0], data={"outcome": "paid"})
    back = paid.headers["location"].removeprefix("http://127.0.0.1:8000")
    assert back == f"/v/{token}/step/pay_how/return?lang=nl&mode=video"
    assert "Bedankt voor uw betaling" in web.get(back).text
    web.post(path.split("?")[0], data={"outcome": "paid"})  # the bank says it twice
    (outcome,) = _outcomes(db)
    assert (outcome.action, outcome.details["amount_cents"]) == ("pay", 14820)
    (payment,) = db.scalars(select(Payment))
    assert payment.status == "paid"


def test_a_cancelled_payment_stores_no_outcome(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    checkout = _post(web, token, "pay_how", {"amount_cents": "14820"}).headers["location"]
    path = checkout.removeprefix("http://127.0.0.1:8000").split("?")[0]
    back = (
        web.post(path, data={"outcome": "canceled"})
        .headers["location"]
        .removeprefix("http://127.0.0.1:8000")
    )
    assert "Er is niets betaald." in web.get(back).text
    assert _outcomes(db) == []


def test_steps_the_scene_does_not_offer_here_are_refused(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    assert web.get(f"/v/{token}/step/menu?lang=nl").status_code == 422  # no action at this node
    assert web.get(f"/v/{token}/step/nowhere?lang=nl").status_code == 404
    assert _post(web, token, "menu", {}).status_code == 422
    assert (
        web.post(f"/v/{token}/step/plan?lang=nl", data={"installments": "2"}).status_code == 422
    )  # no form id
    assert _outcomes(db) == []
    assert list(db.scalars(select(Event).where(Event.type == "action_completed"))) == []


def test_an_oversized_form_is_refused(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    response = web.post(
        f"/v/{campaign[NL]}/step/dispute?lang=nl",
        data={"submission": "x" * 10, "reason": "a" * 20_000},
    )
    assert response.status_code == 413
    assert _outcomes(db) == []


def test_one_debtors_payment_cannot_be_reached_with_anothers_link(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    _post(web, campaign[NL], "pay_how", {"amount_cents": "14820"})
    other = campaign["DEMO-TR-1"]
    assert web.get(f"/v/{other}/step/pay_how/return?lang=tr").status_code == 404
    (payment,) = db.scalars(select(Payment))
    assert payment.status == "open"


def test_paid_in_full_the_pay_step_says_so_and_starts_nothing(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    checkout = _post(web, token, "pay_how", {"amount_cents": "14820"}).headers["location"]
    again = _post(web, token, "pay_how", {"amount_cents": "14820"})  # a second tab, a retry
    assert again.headers["location"] == checkout  # the payment under way, not a new one
    path = checkout.removeprefix("http://127.0.0.1:8000").split("?")[0]
    web.post(path, data={"outcome": "paid"})
    for response in (
        web.get(f"/v/{token}/step/pay_how?lang=nl"),
        _post(web, token, "pay_how", {"amount_cents": "14820"}),
        _post(web, token, "later", {"date": (_today() + timedelta(days=3)).isoformat()}),
    ):
        assert response.status_code == 409
        assert "Alles is betaald. Dank u wel!" in response.text
    assert len(list(db.scalars(select(Payment)))) == 1


def test_a_second_promise_is_refused_with_what_stands(
    web: TestClient, campaign: dict[str, str], db: Session
) -> None:
    token = campaign[NL]
    promised = _today() + timedelta(days=5)
    assert _post(web, token, "later", {"date": promised.isoformat()}).status_code == 303
    again = _post(web, token, "later", {"date": (promised + timedelta(days=1)).isoformat()})
    assert again.status_code == 409
    assert "U hebt ons al laten weten dat u op" in again.text
    assert len(_outcomes(db)) == 1


def test_the_demo_checkout_falls_back_to_the_debtors_language(
    web: TestClient, campaign: dict[str, str]
) -> None:
    checkout = _post(web, campaign[NL], "pay_how", {"amount_cents": "14820"}).headers["location"]
    path = checkout.removeprefix("http://127.0.0.1:8000").split("?")[0]
    for lang in ("xx", "../../etc", ""):
        page = web.get(f"{path}?lang={lang}")
        assert page.status_code == 200
        assert '<html lang="nl"' in page.text


# --- "I already paid" with a proof -----------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def _proof(
    web: TestClient,
    token: str,
    file: tuple[str, bytes, str] | None,
    *,
    submission: str | None = None,
    amount: str = "148,20",
) -> Response:
    form = {"submission": submission or str(uuid.uuid4()), "amount": amount}
    form |= {"date": _today().isoformat(), "reference": "NL12 INGB 42"}
    files = {"proof": file} if file is not None else None
    return web.post(f"/v/{token}/step/already_paid/proof?lang=nl", data=form, files=files)


def _documents(db: Session) -> list[Document]:
    db.expire_all()
    return list(db.scalars(select(Document).order_by(Document.id)))


def _files(settings: Settings) -> list[Path]:
    return sorted(p for p in settings.documents_dir.rglob("*") if p.is_file())


def test_the_paid_form_takes_a_file_with_a_label_and_a_hint(
    web: TestClient, campaign: dict[str, str]
) -> None:
    page = web.get(f"/v/{campaign[NL]}/step/already_paid?lang=nl").text
    assert 'enctype="multipart/form-data"' in page
    assert f'action="/v/{campaign[NL]}/step/already_paid/proof?lang=nl' in page
    assert '<label for="proof">Bewijs van betaling (als u het heeft)</label>' in page
    assert 'aria-describedby="proof-hint"' in page and "maximaal 10 MB" in page


def test_a_proof_is_stored_outside_the_served_folders_with_the_outcome(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    token = campaign[NL]
    sent = [("bank.pdf", PDF, "application/pdf"), ("foto.jpg", JPEG, "image/jpeg")]
    sent += [("../../Schermafbeelding\u00a0été.png", PNG, "text/plain")]  # what a browser says
    for name, body, browser_type in sent:
        response = _proof(web, token, (name, body, browser_type), amount="10,00")
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith(f"/v/{token}/reported?lang=nl")
    documents = _documents(db)
    assert [d.media_type for d in documents] == ["application/pdf", "image/jpeg", "image/png"]
    assert [d.filename for d in documents][2] == "Schermafbeelding\u00a0été.png"
    debtor = db.scalars(select(Debtor).where(Debtor.reference == NL)).one()
    for document, outcome, (_, body, _) in zip(documents, _outcomes(db), sent, strict=True):
        path = settings.documents_dir / str(debtor.campaign_id) / document.storage_name
        assert path.read_bytes() == body and path.stat().st_mode & 0o777 == 0o600
        assert document.sha256 == hashlib.sha256(body).hexdigest()
        assert (document.size_bytes, document.kind, document.debtor_id) == (
            len(body),
            "proof",
            debtor.id,
        )
        assert document.outcome_id == outcome.id
        assert outcome.details == {
            "amount_cents": 1000, "date": _today().isoformat(), "reference": "NL12 INGB 42",
            "document_id": document.id,
        }  # fmt: skip
    assert len(_files(settings)) == 3  # nothing left behind in the temporary folder
    assert case_of(db, debtor, _today()).status == "review"
    page = web.get(response.headers["location"]).text
    assert "We controleren uw betaling en laten het u weten." in page
    assert "Schermafbeelding" in page


def test_no_file_chosen_is_a_report_without_a_proof(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    response = _proof(web, campaign[NL], ("", b"", "application/octet-stream"))
    assert response.status_code == 303
    (outcome,) = _outcomes(db)
    assert "document_id" not in outcome.details and outcome.details["amount_cents"] == 14820
    assert _documents(db) == [] and _files(settings) == []


def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_refused_and_nothing_is_stored(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    refused = {
        "Het bestand is geen pdf, jpeg of png.": ("proof.pdf", HTML, "application/pdf"),
        "Het bestand is leeg.": ("proof.png", b"", "image/png"),
    }
    for message, file in refused.items():
        page = _proof(web, campaign[NL], file, amount="12,34")
        assert page.status_code == 422
        assert message in page.text and 'role="alert"' in page.text
        assert 'value="12,34"' in page.text and 'value="NL12 INGB 42"' in page.text
    assert _outcomes(db) == [] and _documents(db) == [] and _files(settings) == []


def test_a_good_file_with_a_bad_field_is_asked_for_again(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    page = _proof(web, campaign[NL], ("bank.pdf", PDF, "application/pdf"), amount="0")
    assert page.status_code == 422
    assert "Kies uw bestand opnieuw." in page.text
    assert _outcomes(db) == [] and _documents(db) == [] and _files(settings) == []


def test_a_proof_over_10_mb_gets_a_friendly_page_and_nothing_is_stored(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    just_over = PDF + b"0" * (10_000_001 - len(PDF))  # the form is read: shown again
    page = _proof(web, campaign[NL], ("bank.pdf", just_over, "application/pdf"), amount="12")
    assert page.status_code == 422
    assert "Het bestand is groter dan 10 MB. Kies een kleiner bestand." in page.text
    assert 'value="12"' in page.text
    far_over = PDF + b"0" * 12_000_000  # over the route's body limit: not read at all
    page = _proof(web, campaign[NL], ("bank.pdf", far_over, "application/pdf"))
    assert page.status_code == 413
    assert '<html lang="nl">' in page.text and 'role="alert"' in page.text
    assert "Het bestand is groter dan 10 MB." in page.text
    assert _outcomes(db) == [] and _documents(db) == [] and _files(settings) == []


def test_a_body_over_the_limit_without_a_length_is_cut_off_kindly(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    boundary = "vidpay-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="proof"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:  # sent chunked: no Content-Length to refuse it by
        yield head + PDF
        for _ in range(11):
            yield b"0" * 1_000_000

    response = web.post(
        f"/v/{campaign[NL]}/step/already_paid/proof?lang=nl",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert "Het bestand is groter dan 10 MB." in response.text
    assert _outcomes(db) == [] and _documents(db) == [] and _files(settings) == []


def test_a_proof_sent_twice_is_stored_once(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    submission = str(uuid.uuid4())
    for _ in range(2):
        response = _proof(
            web, campaign[NL], ("bank.pdf", PDF, "application/pdf"), submission=submission
        )
        assert response.status_code == 303
    assert len(_outcomes(db)) == 1 and len(_documents(db)) == 1
    assert len(_files(settings)) == 1


def test_only_the_paid_step_takes_a_file(
    web: TestClient, campaign: dict[str, str], db: Session, settings: Settings
) -> None:
    response = web.post(
        f"/v/{campaign[NL]}/step/dispute/proof?lang=nl",
        data={"submission": str(uuid.uuid4()), "reason": "Niet van mij."},
        files={"proof": ("bank.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 404
    assert _outcomes(db) == [] and _files(settings) == []


def test_the_phone_numbers_on_the_step_pages_never_break_across_lines(
    web: TestClient, campaign: dict[str, str]
) -> None:
    token = campaign[NL]
    dispute = web.get(f"/v/{token}/step/dispute?lang=tr").text
    assert '<p>Bizi <span class="nowrap">+31 10 000 0000</span> numarasından da' in dispute
    # a step that cannot be taken (already agreed) offers a call, the number in one piece
    later = {"date": (_today() + timedelta(days=5)).isoformat(), "amount_cents": "14820"}
    assert _post(web, token, "later", later).status_code == 303
    notice = web.get(f"/v/{token}/step/later?lang=de")
    assert notice.status_code == 409
    assert '<span><span class="nowrap">+31 10 000 0000</span> anrufen</span></a>' in notice.text
