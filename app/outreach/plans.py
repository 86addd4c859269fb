"""A send asked for, told in plain words: how many go on each channel, who is skipped and why,
and when they go. The same sentences on the command line and on the campaign page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from app.outreach.outbox import SendPlan
from app.outreach.rules import ContactRules

CHANNEL_NAMES = {"email": "E-mail", "sms": "SMS"}
SKIPPED = {  # outbox.skip_reason's reasons, as a count of debtors reads them
    "no e-mail address": "without an e-mail address",
    "no phone number": "without a phone number",
    "not a mobile number": "whose number is not a mobile number",
    "unsubscribed": "unsubscribed",
    "already paid": "who already paid",
}
MOMENT = "EEEE d MMMM y 'at' HH:mm"  # Monday 7 December 2026 at 07:00


def moment(at: datetime, zone: ZoneInfo) -> str:
    return format_datetime(at.astimezone(zone), MOMENT, locale="en")


def channel_line(plan: SendPlan, channel: str, *, dry_run: bool = False) -> str:
    """``E-mail: 3 queued, 1 already sent or queued before, 2 skipped (2 without an e-mail
    address)``: the numbers the operator acts on, and why some debtors get nothing."""
    queued = plan.queued[channel]
    parts = [f"{queued:,} would be queued" if dry_run else f"{queued:,} queued"]
    if plan.already[channel]:
        parts.append(f"{plan.already[channel]:,} already sent or queued before")
    skipped = plan.skipped.get(channel)
    if skipped:
        reasons = ", ".join(f"{n:,} {SKIPPED.get(r, r)}" for r, n in sorted(skipped.items()))
        parts.append(f"{sum(skipped.values()):,} skipped ({reasons})")
    return f"{CHANNEL_NAMES.get(channel, channel)}: {', '.join(parts)}"


def when_sentence(
    plan: SendPlan, rules: ContactRules, *, later: bool = False, dry_run: bool = False
) -> str:
    """When the queued messages go, in the creditor's time zone, and why later than asked
    when the contact rules moved them (``later``: a moment was asked for, not now)."""
    go = "would go" if dry_run else "go"
    if not sum(plan.queued.values()):
        return "Nothing new would be sent." if dry_run else "Nothing new to send."
    if not plan.moved and not later:
        return f"They {go} now."
    when = moment(plan.send_at, ZoneInfo(rules.timezone))
    if not plan.moved:
        return f"They {go} on {when}."
    return (
        f"They {go} on {when} (no messages on Sundays and public holidays, nor between "
        f"{rules.last:%H:%M} and {rules.first:%H:%M})."
    )


def plan_lines(
    plan: SendPlan, channels: list[str], rules: ContactRules, *, later: bool, dry_run: bool
) -> list[str]:
    lines = [channel_line(plan, c, dry_run=dry_run) for c in channels]
    return [*lines, when_sentence(plan, rules, later=later, dry_run=dry_run)]
