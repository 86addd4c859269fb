"""Commands for integration: API keys, webhook endpoints and deliveries.

Keys and signing secrets are printed once, on standard output, and never again; everything
else goes to standard error.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli._base import apikey_app, database, fail, transaction, webhook_app, webhooks_app
from app.config import Settings
from app.models.base import MAX_ID

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@apikey_app.command("add")
def apikey_add(name: Annotated[str, typer.Argument(help="Who or what uses the key.")]) -> None:
    """Make an API key and print it: this is the only time it is shown."""
    from app.apikeys import create_api_key, key_prefix

    with transaction(Settings()) as session:
        try:
            key = create_api_key(session, name)
        except ValueError as exc:
            raise fail(str(exc)) from exc
    typer.echo(key)
    typer.echo(
        f"API key '{name}' (prefix {key_prefix(key)}) made; keep it now, it is not shown again",
        err=True,
    )


@apikey_app.command("revoke")
def apikey_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix: 8 characters after vp_.")],
) -> None:
    """Revoke an API key at once."""
    from app.apikeys import revoke

    with transaction(Settings()) as session:
        if not revoke(session, prefix):
            raise fail(f"no live API key with prefix '{prefix}'")
    typer.echo(f"revoked the API key with prefix {prefix}", err=True)


@apikey_app.command("list")
def apikey_list() -> None:
    """Print every key's prefix, name, creation and revocation (never the key)."""
    from app.apikeys import list_keys

    with transaction(Settings()) as session:
        for key in list_keys(session):
            revoked = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "live"
            typer.echo(f"{key.prefix}\t{key.name}\t{key.created_at:%Y-%m-%d %H:%M}\t{revoked}")


@webhook_app.command("add")
def webhook_add(
    url: Annotated[str, typer.Argument(help="Where to POST outcomes (http or https).")],
    campaign: Annotated[
        int | None,
        typer.Option("--campaign", min=1, max=MAX_ID, help="Only this campaign's outcomes."),
    ] = None,
) -> None:
    """Add an endpoint; print its id and its signing secret (shown once, for the receiver)."""
    from app.campaigns import get_campaign
    from app.webhooks import add_endpoint, endpoint_secret

    settings = Settings()
    with transaction(settings) as session:
        if campaign is not None and get_campaign(session, campaign) is None:
            raise fail(f"no campaign {campaign}")
        try:
            endpoint = add_endpoint(
                session, url, campaign, allow_private=settings.allow_private_webhooks
            )
        except ValueError as exc:
            raise fail(str(exc)) from exc
        endpoint_id = endpoint.id
    typer.echo(f"endpoint {endpoint_id}")
    typer.echo(f"secret {endpoint_secret(settings.key, endpoint_id)}")
    scope = f"campaign {campaign}" if campaign is not None else "every campaign"
    typer.echo(f"outcomes of {scope} go to {url}; give the secret to the receiver", err=True)


@webhook_app.command("list")
def webhook_list() -> None:
    """Print every endpoint: id, campaign (or *), active, URL and its deliveries per status."""
    from app.webhooks import list_endpoints

    with transaction(Settings()) as session:
        for endpoint, counts in list_endpoints(session):
            scope = str(endpoint.campaign_id) if endpoint.campaign_id is not None else "*"
            state = "removed" if not endpoint.active else "paused" if endpoint.paused else "active"
            tally = " ".join(f"{s}={counts.get(s, 0)}" for s in ("pending", "delivered", "failed"))
            typer.echo(f"{endpoint.id}\t{scope}\t{state}\t{endpoint.url}\t{tally}")


EndpointId = Annotated[
    int, typer.Argument(min=1, max=MAX_ID, help="The endpoint's id, from 'vidpay webhook list'.")
]


@webhook_app.command("pause")
def webhook_pause(endpoint_id: EndpointId) -> None:
    """Hold an endpoint's requests; its outcomes are still queued and sent once resumed."""
    _set_paused(endpoint_id, paused=True)
    typer.echo(
        f"paused endpoint {endpoint_id}: outcomes are queued, not sent, until it is resumed",
        err=True,
    )


@webhook_app.command("resume")
def webhook_resume(endpoint_id: EndpointId) -> None:
    """Send a paused endpoint's queued outcomes again, with the next delivery run."""
    _set_paused(endpoint_id, paused=False)
    typer.echo(f"resumed endpoint {endpoint_id}", err=True)


def _set_paused(endpoint_id: int, *, paused: bool) -> None:
    from app.webhooks import pause_endpoint

    with _endpoint_transaction() as session:
        pause_endpoint(session, endpoint_id, paused)


@contextmanager
def _endpoint_transaction() -> Iterator[Session]:
    """A transaction in which an unknown endpoint is a usage error (exit 2), not a traceback."""
    with transaction(Settings()) as session:
        try:
            yield session
        except LookupError as exc:
            raise fail(str(exc)) from exc


@webhook_app.command("remove")
def webhook_remove(endpoint_id: EndpointId) -> None:
    """Stop sending outcomes to an endpoint; its pending deliveries are given up."""
    from app.webhooks import remove_endpoint

    with _endpoint_transaction() as session:
        given_up = remove_endpoint(session, endpoint_id)
    typer.echo(f"removed endpoint {endpoint_id}; gave up {given_up} pending deliveries", err=True)


@webhooks_app.command("retry")
def webhooks_retry(
    endpoint: Annotated[
        int | None, typer.Option("--endpoint", help="Only this endpoint's deliveries.")
    ] = None,
) -> None:
    """Queue failed deliveries again (a receiver was down longer than the retries last)."""
    from app.webhooks import retry_failed

    with _endpoint_transaction() as session:
        queued = retry_failed(session, endpoint)
    typer.echo(f"queued {queued} failed deliveries again", err=True)


@webhooks_app.command("deliver")
def webhooks_deliver(
    loop: Annotated[
        bool,
        typer.Option(
            "--loop", help="Keep going (every few seconds, and purge daily) until stopped."
        ),
    ] = False,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="Seconds.")] = 5.0,
) -> None:
    """Send the due webhook deliveries once (for cron), or keep sending with --loop."""
    import httpx

    from app.background import Dispatcher
    from app.webhooks import USER_AGENT, deliver_due

    settings = Settings()
    if not loop:
        with (
            database(settings) as sessions,
            httpx.Client(headers={"User-Agent": USER_AGENT}) as client,
        ):
            report = deliver_due(
                sessions,
                key=settings.key,
                client=client,
                allow_private=settings.allow_private_webhooks,
            )
        for error in report.errors:
            typer.echo(error, err=True)
        typer.echo(
            f"delivered {report.delivered}, to retry {report.retried}, failed {report.failed}",
            err=True,
        )
        return
    with database(settings, pooled=True) as sessions:
        dispatcher = Dispatcher(sessions, settings, interval=interval)

        def stop(_signal: int, _frame: Any) -> None:
            dispatcher.stop()

        previous = signal.signal(signal.SIGTERM, stop)
        typer.echo(f"sending webhooks every {interval:g}s; Ctrl-C or SIGTERM stops", err=True)
        try:
            dispatcher.run()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
    typer.echo("stopped", err=True)
