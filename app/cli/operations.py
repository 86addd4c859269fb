"""Commands for operators: the database, campaigns and the server.

The database and web modules are imported inside the commands that use them, so that
``vidpay validate`` or ``vidpay render`` do not pay for SQLAlchemy and Alembic at start-up.
"""

from __future__ import annotations

import json
import secrets
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from app.cli._base import (
    CampaignId,
    RootOption,
    app,
    content_root,
    fail,
    load_one_scene,
    report,
    transaction,
)
from app.config import DEFAULT_RETENTION_DAYS, Settings
from app.csv_safe import SafeWriter
from render.problems import ContentError
from render.validate import load_scene

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.campaigns import Checked
    from app.models import Campaign
    from render.content import ContentRoot
    from render.scene import Scene

DEMO_CAMPAIGN = "Demo"
DEMO_OPERATOR = "demo@example.org"
db_app = typer.Typer(help="The database.", no_args_is_help=True)
campaign_app = typer.Typer(
    help="Campaigns: import debtors, print links and outcomes.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(campaign_app, name="campaign")


def live_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign, or a usage error when there is none or its links were purged."""
    from app.campaigns import get_campaign

    campaign = get_campaign(session, campaign_id)
    if campaign is None:
        raise fail(f"no campaign {campaign_id}")
    if campaign.purged_at is not None:
        raise fail(f"campaign {campaign_id} was purged; its links no longer work")
    return campaign


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (DATABASE_URL, default var/vidpay.db)."""
    from app.db import upgrade

    settings = Settings()
    upgrade(settings.database)
    typer.echo("database is up to date", err=True)


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
    note = f", skipped {skipped} row{'s' if skipped != 1 else ''} (listed above)" if skipped else ""
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
            f"{len(problems)} problem{'s' if len(problems) > 1 else ''}: nothing imported "
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


@app.command()
def serve(
    root: RootOption = Path(),
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
) -> None:
    """Serve the player, self-service and API for a content root (DATABASE_URL, default SQLite)."""
    import uvicorn

    from app.main import create_app

    content_root(root)
    settings = Settings(root=root)
    uvicorn.run(create_app(settings), **server_options(host=host, port=port))


def server_options(*, host: str, port: int) -> dict[str, Any]:
    """How ``serve`` (and ``demo``) run uvicorn: behind a proxy, with no ``server`` banner."""
    return {
        "host": host,
        "port": port,
        "log_level": "info",
        "proxy_headers": True,
        "server_header": False,  # which server and version is nobody's business
    }


@app.command()
def demo(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
) -> None:
    """The demo behind `make run`: render the sample, make a demo campaign once, print its
    links and serve them."""
    from sqlalchemy import select

    from app.campaigns import import_campaign, links, read_rows
    from app.models import Campaign
    from render.pipeline import render_scene

    settings = Settings(root=Path(), base_url=f"http://{host}:{port}")
    content = settings.content
    scene = load_scene(content.find_scene("arrears"), content)
    typer.echo("rendering the sample scene (the first time takes about a minute)...", err=True)
    render_scene(scene, content, settings.media_dir, languages=scene.languages)
    with transaction(settings) as session:
        campaign = session.scalar(select(Campaign).where(Campaign.name == DEMO_CAMPAIGN))
        if campaign is None:
            rows = read_rows(Path("demo/debtors.csv"), scene)
            campaign = import_campaign(
                session, scene=scene, rows=rows, name=DEMO_CAMPAIGN, key=settings.key
            )
        demo_links = list(links(session, campaign.id, key=settings.key, base_url=settings.base_url))
        account = demo_account(session)
    typer.echo("\nDemo links (one per debtor and language):")
    for reference, link in demo_links:
        typer.echo(f"  {reference:<10} {link}")
    typer.echo(f"\nAdmin pages: {settings.base_url}/admin/")
    if account:
        typer.echo(f"  sign in as {account[0]} with the password {account[1]}")
        typer.echo("  (made for this demo and shown only now; more: vidpay user add)\n")
    else:
        typer.echo("  sign in with your account (vidpay user add makes one)\n")
    serve(Path(), host, port)


def demo_account(session: Session) -> tuple[str, str] | None:
    """An operator account for the demo, with a random password, when there is no user yet:
    a newcomer sees the admin pages after ``make run`` without another step."""
    from sqlalchemy import func, select

    from app.auth import add_user
    from app.models import User

    if session.scalar(select(func.count()).select_from(User)):
        return None
    password = secrets.token_urlsafe(12)
    add_user(session, DEMO_OPERATOR, password, "operator")
    return DEMO_OPERATOR, password
