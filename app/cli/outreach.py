"""Commands that reach debtors: ``campaign send`` queues a campaign's links, ``outbox run``
sends what is due (a worker beside the web server, which sends too)."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from app.cli._base import PROBLEMS, CampaignId, app, database, fail, transaction
from app.cli.operations import campaign_app, live_campaign
from app.config import Settings

outbox_app = typer.Typer(help="The outbox: messages to debtors.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


class Channel(StrEnum):
    email = "email"
    sms = "sms"


@campaign_app.command("send")
def campaign_send(
    campaign_id: CampaignId,
    channel: Annotated[
        list[Channel] | None,
        typer.Option("--channel", help="email or sms; repeat for both (default: both)."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Not before this local time, e.g. 2026-12-07T09:00."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count and tell when; queue nothing.")
    ] = False,
) -> None:
    """Queue every debtor's link by e-mail and/or SMS, within the contact rules."""
    from app.models.base import utcnow
    from app.outreach.outbox import schedule_links
    from app.outreach.plans import plan_lines
    from app.outreach.worker import contact_rules

    settings = Settings()
    channels = [c.value for c in channel] if channel else ["email", "sms"]
    if "email" in channels and not settings.smtp_url:
        raise fail("e-mail is not set up: set VIDPAY_SMTP_URL and VIDPAY_MAIL_FROM")
    asked = utcnow()
    moment = max(asked, _moment(at, settings.timezone)) if at else asked
    rules = contact_rules(settings)
    with transaction(settings) as session:
        live_campaign(session, campaign_id)
        plan = schedule_links(
            session, campaign_id, channels=channels, at=moment, rules=rules, dry_run=dry_run
        )
    for line in plan_lines(plan, channels, rules, later=moment > asked, dry_run=dry_run):
        typer.echo(line)
    if dry_run:
        typer.echo("Dry run: nothing was queued.")


def _moment(text: str, timezone: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"--at '{text}' is not a date and time like 2026-12-07T09:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


@outbox_app.command("run")
def outbox_run(
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then stop.")] = False,
) -> None:
    """Send due messages until stopped (Ctrl-C), or once."""
    from app.outreach.sending import send_due
    from app.outreach.worker import Sender, postage

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings()
    with database(settings, pooled=True) as sessions:
        sender = Sender(postage(settings, sessions))
        if once:
            try:
                report = send_due(sender.postage)
            finally:
                sender.postage.close()
            typer.echo(
                f"{report.sent} sent, {report.moved} moved by the contact rules, {report.retried} "
                f"to try again, {report.failed} failed, {report.cancelled} cancelled"
            )
            return
        try:
            sender.run()
        except KeyboardInterrupt:
            typer.echo("stopped", err=True)


@campaign_app.command("reminders")
def campaign_reminders(
    campaign_id: CampaignId,
    not_opened_days: Annotated[
        int | None,
        typer.Option(
            "--not-opened-days", min=0, help="Remind who did not open after N days (0: never)."
        ),
    ] = None,
    not_opened_max: Annotated[
        int | None, typer.Option("--not-opened-max", min=0, help="At most this many of those.")
    ] = None,
    before_due: Annotated[
        bool | None,
        typer.Option(
            "--before-due/--no-before-due", help="The day before a pay-later date or an instalment."
        ),
    ] = None,
    broken: Annotated[
        bool | None,
        typer.Option(
            "--broken/--no-broken", help="After a promise is broken or a plan falls behind."
        ),
    ] = None,
) -> None:
    """Show a campaign's reminder rules, or change them."""
    from dataclasses import replace

    from app.outreach.reminders import ReminderRules

    settings = Settings()
    changes: dict[str, int | bool] = {
        name: value
        for name, value in (
            ("not_opened_days", not_opened_days), ("not_opened_max", not_opened_max),
            ("before_due", before_due), ("broken", broken),
        )
        if value is not None
    }  # fmt: skip
    with transaction(settings) as session:
        campaign = live_campaign(session, campaign_id)
        rules = replace(ReminderRules.of(campaign), **changes)  # type: ignore[arg-type]
        if changes:
            campaign.reminders = rules.stored()
    typer.echo("\n".join(rules.described()))


@outbox_app.command("bounce")
def outbox_bounce(
    file: Annotated[
        typer.FileBinaryRead, typer.Argument(help="The report (default: standard input).")
    ] = "-",  # type: ignore[assignment]  # click opens "-" as standard input
) -> None:
    """Read a bounce report (a delivery status notification) and mark its e-mail bounced."""
    from app.outreach.bounces import MAX_BYTES, parse_bounce, record_bounces

    try:
        bounces = parse_bounce(file.read(MAX_BYTES + 1))
    except ValueError as exc:
        raise fail(str(exc), code=PROBLEMS) from None
    with transaction(Settings()) as session:
        changed = record_bounces(session, bounces)
    typer.echo(f"{len(bounces)} failed recipients reported, {changed} messages marked bounced")
