"""``vidpay outbox``: the messages to debtors that ``campaign send`` and the reminders queue.
``outbox run`` sends what is due (a worker beside the web server, which sends too)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from app.cli._base import PROBLEMS, database, fail, outbox_app, transaction
from app.config import Settings


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
