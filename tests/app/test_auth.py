"""Users, signing in, rate limiting, the session cookie and CSRF, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.auth import (
    CLIENT_LIMIT,
    EMAIL_LIMIT,
    WINDOW,
    TooManyAttemptsError,
    UserError,
    WrongCredentialsError,
    add_user,
    authenticate,
)
from app.cli import app as cli
from app.config import Settings
from app.db import upgrade
from app.models import LoginAttempt, User

PASSWORD = "correct horse battery"


def _attempts(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(LoginAttempt)) or 0


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def _sign_in(web: TestClient, email: str, password: str = PASSWORD) -> Response:
    token = _csrf(web.get("/admin/login").text)
    return web.post(
        "/admin/login", data={"email": email, "password": password, "csrf": token, "next": "/admin"}
    )


@pytest.fixture
def db(settings: Settings, db: Session) -> Session:
    """The conftest's session, on a database migrated as the app would on start."""
    upgrade(settings.database)
    return db


@pytest.fixture
def operator(db: Session) -> User:
    user = add_user(db, "Olga@Example.org", PASSWORD, "operator")
    db.commit()
    return user


# --- users --------------------------------------------------------------------------------------


def test_a_user_is_stored_lower_case_with_an_argon2_hash(db: Session) -> None:
    add_user(db, "  Ann.Smith@Example.ORG ", PASSWORD, "designer")
    db.commit()
    (user,) = db.scalars(select(User))
    assert (user.email, user.role) == ("ann.smith@example.org", "designer")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert PasswordHasher().verify(user.password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("email", "password", "role", "message"),
    [
        ("ann.example.org", PASSWORD, "operator", "'ann.example.org' is not an e-mail address"),
        ("ann@example", PASSWORD, "operator", "is not an e-mail address"),
        ("ann@example.org", "eleven char", "operator", "at least 12 characters"),
        ("ann@example.org", PASSWORD, "admin", "unknown role 'admin'"),
    ],
)
def test_bad_users_are_refused(
    db: Session, email: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        add_user(db, email, password, role)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_an_existing_user_is_refused_whatever_the_case(db: Session, operator: User) -> None:
    with pytest.raises(UserError, match=r"there is already a user olga@example\.org"):
        add_user(db, "OLGA@example.org", "another long password", "designer")


# --- signing in ---------------------------------------------------------------------------------


def test_the_right_password_signs_in_and_a_wrong_one_does_not(db: Session, operator: User) -> None:
    assert authenticate(db, "OLGA@example.org ", PASSWORD, client="10.0.0.1").id == operator.id
    db.commit()
    with pytest.raises(WrongCredentialsError) as wrong:
        authenticate(db, "olga@example.org", "correct horse battery!", client="10.0.0.1")
    db.commit()
    with pytest.raises(WrongCredentialsError) as unknown:
        authenticate(db, "nobody@example.org", PASSWORD, client="10.0.0.1")
    db.commit()
    assert str(wrong.value) == str(unknown.value)  # the same answer: nothing is given away
    rows = db.execute(select(LoginAttempt.key, LoginAttempt.succeeded).order_by(LoginAttempt.id))
    assert [tuple(r) for r in rows] == [
        ("email:olga@example.org", True),
        ("client:10.0.0.1", True),
        ("email:olga@example.org", False),
        ("client:10.0.0.1", False),
        ("email:nobody@example.org", False),
        ("client:10.0.0.1", False),
    ]


def test_too_many_failures_for_an_address_block_it_for_a_while(db: Session, operator: User) -> None:
    start = datetime.now(UTC)
    for attempt in range(EMAIL_LIMIT):
        with pytest.raises(WrongCredentialsError):
            authenticate(
                db, "olga@example.org", f"guess number {attempt}", client=f"10.0.0.{attempt}",
                now=start + timedelta(seconds=attempt),
            )  # fmt: skip
        db.commit()
    recorded = _attempts(db)
    # Blocked: even the right password is refused, without looking at it, and not counted.
    with pytest.raises(TooManyAttemptsError) as blocked:
        authenticate(
            db, "olga@example.org", PASSWORD, client="10.9.9.9", now=start + timedelta(minutes=1)
        )
    db.commit()
    assert str(blocked.value) == (
        "Too many failed sign-in attempts. For your safety, signing in is paused: "
        "try again in 14 minutes."  # the first failure was a minute ago
    )
    assert _attempts(db) == recorded
    # Another address from the same clients is not blocked.
    with pytest.raises(WrongCredentialsError):
        authenticate(db, "someone@example.org", "a wrong password", client="10.0.0.1", now=start)
    db.commit()
    # A window after the first failure, one failure has aged out: signing in works again.
    later = start + WINDOW + timedelta(seconds=0.5)
    assert (
        authenticate(db, "olga@example.org", PASSWORD, client="10.9.9.9", now=later).id
        == operator.id
    )


def test_a_successful_sign_in_forgives_the_addresss_earlier_failures(
    db: Session, operator: User
) -> None:
    now = datetime.now(UTC)
    for round in range(2):
        for attempt in range(EMAIL_LIMIT - 1):
            with pytest.raises(WrongCredentialsError):
                authenticate(
                    db, "olga@example.org", f"typo {round}{attempt}", client="10.0.0.1", now=now
                )
            db.commit()
            now += timedelta(seconds=1)
        authenticate(db, "olga@example.org", PASSWORD, client="10.0.0.1", now=now)
        db.commit()
        now += timedelta(seconds=1)


def test_too_many_failures_from_one_client_block_it(db: Session, operator: User) -> None:
    now = datetime.now(UTC)
    for attempt in range(CLIENT_LIMIT):
        with pytest.raises(WrongCredentialsError):
            authenticate(
                db, f"guess{attempt}@example.org", "a wrong password", client="10.6.6.6", now=now
            )
        db.commit()
    with pytest.raises(TooManyAttemptsError):
        authenticate(db, "olga@example.org", PASSWORD, client="10.6.6.6", now=now)
    db.commit()
    assert (
        authenticate(db, "olga@example.org", PASSWORD, client="10.0.0.2", now=now).id == operator.id
    )


def test_a_burst_of_parallel_guesses_cannot_pass_the_limit(
    settings: Settings, db: Session, operator: User
) -> None:
    """Attempts on one address are taken one at a time, so the limit holds under a burst."""
    from concurrent.futures import ThreadPoolExecutor

    from app.db import make_engine, session_factory

    engine = make_engine(settings.database)
    sessions = session_factory(engine)

    def guess(number: int) -> str:
        with sessions() as session, session.begin():
            try:
                authenticate(
                    session, "olga@example.org", f"guess {number}", client=f"10.1.0.{number}"
                )
            except (WrongCredentialsError, TooManyAttemptsError) as exc:
                return type(exc).__name__
        return "signed in"

    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(guess, range(12)))
    finally:
        engine.dispose()
    assert answers.count("WrongCredentialsError") == EMAIL_LIMIT
    assert answers.count("TooManyAttemptsError") == 12 - EMAIL_LIMIT


# --- the web: cookie and CSRF -------------------------------------------------------------------


def _cookie(response: Response) -> str:
    cookies = [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]
    (cookie,) = [c for c in cookies if c.startswith("vidpay_admin=")]
    return cookie.lower()


def test_the_session_cookie_is_locked_down(web: TestClient, operator: User) -> None:
    response = _sign_in(web, "olga@example.org")
    assert (response.status_code, response.headers["location"]) == (303, "/admin")
    cookie = _cookie(response)
    for flag in ("httponly", "samesite=strict", "path=/admin", "max-age=28800"):
        assert flag in cookie, flag
    assert "secure" not in cookie  # the base URL is http here
    assert web.get("/admin").status_code == 200
    assert "vidpay_admin" not in str(web.get("/static/player/site.css").headers)


def test_the_session_cookie_is_secure_behind_https(https_web: TestClient, operator: User) -> None:
    response = _sign_in(https_web, "olga@example.org")
    assert response.status_code == 303
    assert "; secure" in _cookie(response)


def test_a_sign_in_without_the_csrf_token_is_refused_and_not_counted(
    web: TestClient, db: Session, operator: User
) -> None:
    web.get("/admin/login")
    for form in (
        {"email": "olga@example.org", "password": PASSWORD},
        {"email": "olga@example.org", "password": PASSWORD, "csrf": "x" * 43},
    ):
        refused = web.post("/admin/login", data=form)
        assert refused.status_code == 403
        assert "did not come from this site" in refused.text
        assert "set-cookie" not in refused.headers
    assert _attempts(db) == 0
    assert web.get("/admin").status_code == 303  # still nobody signed in


def test_signing_out_needs_the_csrf_token(web: TestClient, operator: User) -> None:
    _sign_in(web, "olga@example.org")
    assert web.post("/admin/logout").status_code == 403
    assert web.post("/admin/logout", data={"csrf": "forged"}).status_code == 403
    assert web.get("/admin").status_code == 200  # still signed in: nothing changed
    token = _csrf(web.get("/admin").text)
    out = web.post("/admin/logout", data={"csrf": token})
    assert (out.status_code, out.headers["location"]) == (303, "/admin/login")
    assert web.get("/admin").status_code == 303


def test_signing_out_ends_every_copy_of_the_session_cookie(
    web: TestClient, settings: Settings, operator: User
) -> None:
    from app.main import create_app

    _sign_in(web, "olga@example.org")
    copied = web.cookies["vidpay_admin"]
    token = _csrf(web.get("/admin").text)
    assert web.post("/admin/logout", data={"csrf": token}).status_code == 303
    with TestClient(create_app(settings), follow_redirects=False) as thief:
        thief.cookies.set("vidpay_admin", copied, path="/admin")
        page = thief.get("/admin")
        assert (page.status_code, page.headers["location"]) == (303, "/admin/login?next=/admin")
        sign_in = thief.get("/admin/login")
        assert sign_in.status_code == 200 and 'name="password"' in sign_in.text
    _sign_in(web, "olga@example.org")  # signing in again starts a session that works
    assert web.get("/admin").status_code == 200


def test_a_new_password_ends_every_session(web: TestClient, db: Session, operator: User) -> None:
    _sign_in(web, "olga@example.org")
    assert web.get("/admin").status_code == 200
    db.execute(update(User).values(password_hash=PasswordHasher().hash("a brand new password")))
    db.commit()
    assert web.get("/admin").status_code == 303


def test_a_forged_or_foreign_cookie_is_nobody(web: TestClient, operator: User) -> None:
    web.cookies.set("vidpay_admin", "eyJ1c2VyIjogMX0=.forged.signature", path="/admin")
    response = web.get("/admin")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=/admin"


@pytest.mark.parametrize(
    ("wanted", "goes_to"),
    [
        ("/admin/campaigns/1?action=later", "/admin/campaigns/1?action=later"),
        ("https://evil.example.org/admin", "/admin"),
        ("//evil.example.org/admin", "/admin"),
        ("/admin/../v/x", "/admin"),
        ("/admin/login", "/admin"),
        ("/admin\\evil", "/admin"),
    ],
)
def test_after_signing_in_only_admin_pages_are_a_destination(
    web: TestClient, operator: User, wanted: str, goes_to: str
) -> None:
    token = _csrf(web.get("/admin/login").text)
    form = {"email": "olga@example.org", "password": PASSWORD, "csrf": token, "next": wanted}
    assert web.post("/admin/login", data=form).headers["location"] == goes_to


# --- the command --------------------------------------------------------------------------------


def _vidpay(
    settings: Settings, *args: str, password: str | None, input: str | None = None
) -> tuple[int, str]:
    env = {
        "DATABASE_URL": settings.database,
        "VIDPAY_VAR": str(settings.var),
        "VIDPAY_PASSWORD": password,
    }
    result = CliRunner().invoke(cli, list(args), env=env, input=input)
    return result.exit_code, result.stderr


def test_the_command_adds_users(settings: Settings, db: Session) -> None:
    code, err = _vidpay(
        settings, "user", "add", "Olga@Example.org", "--role", "operator", password=PASSWORD
    )
    assert (code, err) == (0, "added operator olga@example.org (user 1)\n")
    code, err = _vidpay(
        settings, "user", "add", "dan@example.org", "--role", "designer",
        password=None, input="a designer's password\na designer's password\n",
    )  # fmt: skip
    assert code == 0, err
    users = db.execute(select(User.email, User.role).order_by(User.id)).all()
    assert [tuple(u) for u in users] == [
        ("olga@example.org", "operator"),
        ("dan@example.org", "designer"),
    ]
    assert (
        authenticate(db, "dan@example.org", "a designer's password", client="cli").role
        == "designer"
    )


@pytest.mark.parametrize(
    ("email", "password", "exit_code", "message"),
    [
        ("olga.example.org", PASSWORD, 2, "vidpay: 'olga.example.org' is not an e-mail address\n"),
        (
            "new@example.org",
            "too short",
            2,
            "vidpay: the password must be at least 12 characters long\n",
        ),
        ("OLGA@example.org", PASSWORD, 1, "vidpay: there is already a user olga@example.org\n"),
    ],
)
def test_the_command_says_what_is_wrong(
    settings: Settings,
    db: Session,
    operator: User,
    email: str,
    password: str,
    exit_code: int,
    message: str,
) -> None:
    """A bad address or password is a usage error (2), like a bad --role; a user who is
    there already is not (1)."""
    code, err = _vidpay(settings, "user", "add", email, "--role", "designer", password=password)
    assert (code, err) == (exit_code, message)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(User)) == 1


def test_the_command_knows_the_roles(settings: Settings) -> None:
    code, err = _vidpay(
        settings, "user", "add", "a@example.org", "--role", "admin", password=PASSWORD
    )
    assert code == 2
    assert "'admin' is not one of" in err
