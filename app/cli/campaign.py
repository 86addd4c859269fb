"""``vidpay campaign``: a campaign from import to purge. Import its debtors, print their links
and outcomes, send and remind them, purge their personal data.

``campaign render`` is in :mod:`app.cli.workers`, with the ``worker`` it sends segments to:
here it would take this module over 400 lines. The database modules are imported inside the
commands that use them (see :mod:`app.cli._base`).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from app.cli._base import (
    CampaignId,
    RootOption,
    campaign_app,
    content_root,
    counted,
    database,
    fail,
    load_one_scene,
    report,
    transaction,
)
from app.config import DEFAULT_RETENTION_DAYS, Settings
from app.csv_safe import SafeWriter
from render.problems import ContentError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.campaigns import Checked
    from app.models import Campaign
    from render.content import ContentRoot
    from render.scene import Scene


def live_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign, or a usage error when there is none or its links were purged."""
    from app.campaigns import get_campaign

    campaign = get_campaign(session, campaign_id)
    if campaign is None:
        raise fail(f"no campaign {campaign_id}")
    if campaign.purged_at is not None:
        raise fail(f"campaign {campaign_id} was purged; its links no longer work")
    return campaign


class VerifyKind(StrEnum):
    """What debtors give to see their page (``app.verification``)."""

    postcode = "postcode"
    birth_date = "birth_date"


SceneOption = Annotated[
    list[str],
    typer.Option("--scene", help="Scene id or path; repeat as SCENE=WEIGHT for A/B variants."),
]
CsvOption = Annotated[
    Path,
    typer.Option(
        "--csv",
        help="A CSV (',' ';' or tab; UTF-8 or Windows-1252) or .xlsx file: "
        "reference,name,language,email,phone + the scene's variables.",
    ),
]
SkipInvalidOption = Annotated[
    bool, typer.Option("--skip-invalid", help="Import the good rows; list the skipped ones.")
]
ExpiresOption = Annotated[
    str | None, typer.Option("--expires", help="The links end then (2026-12-31 or ISO time).")
]
RetentionOption = Annotated[
    int, typer.Option("--retention-days", min=1, help="Personal data is purged after this.")
]
VerifyOption = Annotated[
    VerifyKind | None,
    typer.Option(
        "--verify",
        help="Debtors first give this (a CSV column of the same name) before amounts show.",
    ),
]


@campaign_app.command("import")
def campaign_import(
    scene: SceneOption,
    csv_file: CsvOption,
    name: Annotated[str, typer.Option("--name", help="A name for operators.")],
    root: RootOption = Path(),
    skip_invalid: SkipInvalidOption = False,
    expires: ExpiresOption = None,
    retention_days: RetentionOption = DEFAULT_RETENTION_DAYS,
    verify: VerifyOption = None,
) -> None:
    """Import a campaign from a CSV or .xlsx file; print its id. One bad row and nothing is
    imported. Amounts as 1.234,56 or 1,234.56, dates as 2026-11-01 or 01-11-2026."""
    from app.campaigns import import_campaign

    settings = Settings(root=root)
    content = content_root(root)
    expires_at = _expiry(expires, settings.timezone) if expires else None
    variants = _variants(content, scene)
    kind = verify.value if verify else None
    checked = _checked_file(csv_file, [s for s, _ in variants], kind, skip_invalid=skip_invalid)
    with transaction(settings) as session:
        campaign = import_campaign(
            session, scene=variants[0][0], rows=checked.rows, name=name, key=settings.key,
            variants=variants, expires_at=expires_at, retention_days=retention_days, verify=kind,
        )  # fmt: skip
    typer.echo(campaign.id)
    skipped = len({p.line for p in checked.problems})
    note = f", skipped {counted(skipped, 'row')} (listed above)" if skipped else ""
    typer.echo(f"imported {len(checked.rows)} debtors into campaign {campaign.id}{note}", err=True)
    typer.echo(f"{csv_file.name} was {checked.read_as}", err=True)


def _variants(content: ContentRoot, scenes: list[str]) -> list[tuple[Scene, int]]:
    """The scenes and their weights, checked before the file is read: a typo in a scene or
    weight is told on its own, not hidden among the rows' problems."""
    from app.campaigns import Requirements

    try:
        variants = [(load_one_scene(content, n), w) for n, w in map(_weighted, scenes)]
        Requirements.of([s for s, _ in variants])
    except ValueError as exc:
        raise fail(str(exc)) from exc
    except ContentError as exc:
        report(exc.problems)
        raise typer.Exit(1) from exc
    return variants


def _checked_file(
    csv_file: Path, scenes: list[Scene], verify: str | None, *, skip_invalid: bool
) -> Checked:
    """One bad row and nothing is imported unless --skip-invalid: half a campaign is never
    imported by surprise. How the file was read is said, for a file that looks garbled."""
    from app.campaigns import check_file

    try:
        checked = check_file(csv_file, scenes, verify=verify)
    except ContentError as exc:
        report(exc.problems)
        raise typer.Exit(1) from exc
    problems = checked.problems
    report(problems)
    if problems and not skip_invalid:
        typer.echo(
            f"{counted(len(problems), 'problem')}: nothing imported "
            f"(--skip-invalid imports the good rows); {csv_file.name} was {checked.read_as}",
            err=True,
        )
        raise typer.Exit(1)
    return checked


def _weighted(text: str) -> tuple[str, int]:
    """``arrears=50`` -> ("arrears", 50); a scene without a weight weighs 1."""
    scene, _, weight = text.partition("=")
    if not weight:
        return scene, 1
    if not weight.isdigit() or int(weight) < 1:
        raise ValueError(f"the weight in '{text}' must be a whole number of at least 1")
    return scene, int(weight)


def _expiry(text: str, timezone: str) -> datetime:
    """A date means the end of that day in the creditor's time zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"--expires '{text}' is not a date like 2026-12-31") from None
    if len(text) <= 10:
        moment = moment.replace(hour=23, minute=59, second=59)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


@campaign_app.command("links")
def campaign_links(
    campaign_id: CampaignId,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Where the app is served.")
    ] = None,
    qr: Annotated[
        Path | None, typer.Option("--qr", help="Also write a QR code (SVG) per debtor here.")
    ] = None,
) -> None:
    """Print reference,link for every debtor as CSV (and QR codes for letters)."""
    from app.campaigns import links, write_qr_codes

    settings = Settings()
    with transaction(settings) as session:
        live_campaign(session, campaign_id)
        found = list(
            links(session, campaign_id, key=settings.key, base_url=base_url or settings.base_url)
        )
    writer = SafeWriter(sys.stdout, lineterminator="\n")
    writer.writerow(["reference", "link"])
    writer.writerows(found)
    if qr is not None:
        written = write_qr_codes(found, qr)
        typer.echo(f"wrote {len(written)} QR codes to {qr}", err=True)


@campaign_app.command("outcomes")
def campaign_outcomes(
    campaign_id: CampaignId,
    format: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
) -> None:
    """Print, per debtor: last node, choices made, outcome and its details."""
    from app.campaigns import get_campaign, outcomes

    if format not in ("csv", "json"):
        raise fail(f"unknown format '{format}'; use csv or json")
    settings = Settings()
    with transaction(settings) as session:
        if get_campaign(session, campaign_id) is None:
            raise fail(f"no campaign {campaign_id}")
        rows = list(outcomes(session, campaign_id))
    if format == "json":
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        return
    writer = SafeWriter(sys.stdout, lineterminator="\n")
    writer.writerow(["reference", "last_node", "choices", "outcome", "details", "disputed"])
    for row in rows:
        writer.writerow(
            [row["reference"], row["last_node"] or "", " ".join(row["choices"]), row["outcome"] or "",
             json.dumps(row["details"], ensure_ascii=False, default=str) if row["details"] else "", row["disputed"]]
        )  # fmt: skip


@campaign_app.command("purge")
def campaign_purge(
    campaign_id: CampaignId,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove a campaign's personal data and personal media now, keeping anonymous counts;
    its links stop working. (Done automatically after the campaign's retention period.)"""
    from app.retention import purge_campaign

    settings = Settings()
    if not yes:
        typer.confirm(
            f"Remove the personal data of campaign {campaign_id}? This cannot be undone",
            abort=True,
            err=True,
        )
    with database(settings) as sessions:
        report = purge_campaign(
            sessions, campaign_id, settings.media_dir, documents=settings.documents_dir
        )
    if report is None:
        raise fail(f"no campaign {campaign_id}")
    typer.echo(
        f"purged campaign {campaign_id}: {report.debtors} debtors, {report.outcomes} outcomes, "
        f"{report.events} events, {report.deliveries} webhook deliveries, "
        f"{report.documents} documents, {len(report.files)} files",
        err=True,
    )


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
