"""Commands for operators: the database, the server and the demo (campaigns:
:mod:`app.cli.campaign`).

The database and web modules are imported inside the commands that use them, so that
``vidpay validate`` or ``vidpay render`` do not pay for SQLAlchemy and Alembic at start-up.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli._base import RootOption, app, content_root, db_app, transaction
from app.config import Settings
from render.validate import load_scene

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DEMO_CAMPAIGN = "Demo"
DEMO_OPERATOR = "demo@example.org"


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (DATABASE_URL, default var/vidpay.db)."""
    from app.db import upgrade

    settings = Settings()
    upgrade(settings.database)
    typer.echo("database is up to date", err=True)


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
