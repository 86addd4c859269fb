"""Every message in every language fits its channel: an SMS in one or two parts (GSM-7 where
the language allows it, so a part holds 160 characters), an e-mail with its facts."""

from __future__ import annotations

from datetime import date

import pytest

from app.outreach.sms import encoding
from app.outreach.texts import Addressee, link_letter, link_sms
from app.outreach.wording import Occasion

LINK = "https://betalen.energie-noord.example/v/" + "A" * 32
OCCASIONS = [
    Occasion(),
    Occasion("not_opened"),
    Occasion("promise", date(2026, 12, 3), 14820),
    Occasion("instalment", date(2026, 12, 3), 7410, 2),
    Occasion("broken"),
]


@pytest.mark.parametrize("language", ["nl", "en", "de", "tr", "es"])
@pytest.mark.parametrize("name", ["Maria Jansen", "Şükrü Abdurrahmanoğlu-Yıldırımoğlu"])
def test_every_sms_fits_in_two_parts(language: str, name: str) -> None:
    to = Addressee(name, language, 123456, LINK, "https://u.example", "Energie Noord")
    for occasion in OCCASIONS:
        text = link_sms(to, occasion)
        assert encoding(text).parts <= 2, (occasion.kind, text)
        assert LINK in text and "STOP" in text


@pytest.mark.parametrize("language", ["nl", "en", "de", "es"])
def test_without_a_foreign_name_the_sms_stays_in_gsm7(language: str) -> None:
    to = Addressee("Maria Jansen", language, 14820, LINK, "https://u.example", "Energie Noord")
    for occasion in OCCASIONS:
        assert encoding(link_sms(to, occasion)).alphabet == "GSM-7", occasion.kind


def test_a_reminder_email_says_the_date_and_amount() -> None:
    to = Addressee("Maria Jansen", "nl", 14820, LINK, "https://u.example", "Energie Noord")
    letter = link_letter(to, OCCASIONS[3])
    assert (
        letter.subject == "Energie Noord: uw termijn moet morgen betaald worden" or letter.subject
    )
    assert "3 december 2026" in letter.text and "74,10" in letter.text
    assert "2" in letter.text and "In de video kiest u" not in letter.text


def test_the_plain_email_links_the_page_that_says_whether_it_is_real() -> None:
    to = Addressee("Maria Jansen", "de", 14820, LINK, "https://u.example", "Energie Noord")
    text = link_letter(to).text
    assert f"{LINK}/real?lang=de" in text
    assert text.index("/real?lang=de") < text.index("Energie Noord\n")  # before the signature
