"""What a debtor agreed, as a calendar file (RFC 5545): one all-day event per date to pay.

Written with the ``icalendar`` library, so escaping, folding and line endings are the
standard's. Each event carries the debtor's personal link, so the reminder on their phone
leads straight back to the page where they pay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event


@dataclass(frozen=True)
class DueDate:
    uid: str  # stable across downloads: a calendar updates the event instead of adding one
    day: date
    summary: str
    description: str


def calendar_file(dates: list[DueDate], *, link: str, name: str) -> bytes:
    """The ``.ics`` bytes for these dates."""
    calendar = Calendar()
    calendar.add("prodid", "-//vidpay//payment dates//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = datetime.now(UTC).replace(microsecond=0)
    for due in dates:
        event = Event()
        event.add("uid", due.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", due.day)
        event.add("dtend", due.day + timedelta(days=1))
        event.add("summary", due.summary)
        event.add("description", f"{due.description}\n{link}")
        event.add("url", link)
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy hour
        calendar.add_component(event)
    return bytes(calendar.to_ical())
