"""Commands for admin: the users who sign in to the admin pages.

``vidpay user add EMAIL --role operator|designer`` asks for the password twice without echo,
or reads it from ``VIDPAY_PASSWORD`` (for scripts). A bad e-mail address or a short password
is a usage error like a bad ``--role`` (exit 2); an existing user is an error (exit 1).
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated

import typer

from app.cli._base import PROBLEMS, fail, transaction, user_app
from app.config import Settings

PASSWORD_VARIABLE = "VIDPAY_PASSWORD"


class Role(StrEnum):
    operator = "operator"
    designer = "designer"


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The user's e-mail address; they sign in with it.")],
    role: Annotated[
        Role, typer.Option("--role", help="operator (may export) or designer (may look).")
    ],
) -> None:
    """Add a user; the password is asked twice, or read from VIDPAY_PASSWORD."""
    from app.auth import UserError, add_user, check_password, normalise_email

    try:
        address = normalise_email(email)
    except UserError as exc:
        raise fail(str(exc)) from exc
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_password(password)
    except UserError as exc:
        raise fail(str(exc)) from exc
    try:
        with transaction(Settings()) as session:
            user_id = add_user(session, address, password, role.value).id
    except UserError as exc:
        raise fail(str(exc), code=PROBLEMS) from exc
    typer.echo(f"added {role.value} {address} (user {user_id})", err=True)
