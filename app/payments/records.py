"""Payments in the database: started from the pay step, updated from the provider.

Status updates are idempotent: the provider may report the same payment many times (Mollie
retries its webhook), and a payment becomes an outcome once, when it is first seen paid.
"""

from __future__ import annotations

import time
from datetime import date

from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.case import case_of
from app.events import EventIn, record
from app.locks import debtor_locked
from app.models import Debtor, Outcome, Payment
from app.payments.base import FINAL, STATUSES, PaymentError
from app.web.step_base import Step, StepError, check_amount, refuse_conflicts
from app.web.urls import absolute, payment_return_url, payment_webhook_path
from app.webhooks import enqueue_submission


def start_payment(step: Step) -> Response:
    """Send the debtor to a checkout for what is still open: a payment already under way is
    reused (a double click, a second tab), and nothing is started once all is paid."""
    payment, reserved = _reserve(step)
    if reserved:
        payment = _ask_provider(step, payment)
    elif payment.status == "creating":
        payment = _wait_for_checkout(step, payment.id)
    if payment.checkout_url is None:
        raise _unavailable(step)
    return RedirectResponse(payment.checkout_url, status_code=303)


def _reserve(step: Step) -> tuple[Payment, bool]:
    """Under the debtor's lock: the pending payment, or a new one reserved for what is open
    (True: reserved now, so this request asks the provider)."""
    with debtor_locked(step.session, step.visit.debtor.id) as debtor:
        case = case_of(step.session, debtor, step.today())
        refuse_conflicts(step, "pay", case)
        if case.pending is not None:
            return case.pending, False
        check_amount(step, case.payable_cents)
        payment = Payment(
            debtor_id=debtor.id,
            node=step.node,
            provider=step.state.payments.name,
            amount_cents=case.payable_cents,
            status="creating",
        )
        step.session.add(payment)
    return payment, True


def _ask_provider(step: Step, payment: Payment) -> Payment:
    """Ask the provider for the checkout (holding no lock: it may take seconds), then keep it."""
    visit, settings = step.visit, step.state.settings
    mode = step.form.get("mode", "video")
    back = absolute(
        settings.base_url, payment_return_url(step.token, visit.language, step.node, mode)
    )
    try:
        checkout = step.state.payments.create(
            amount_cents=payment.amount_cents,
            description=f"{visit.debtor.reference}",
            redirect_url=back,
            webhook_url=absolute(settings.base_url, payment_webhook_path(step.state.payments.name)),
            locale=visit.language,
            metadata={
                "debtor": str(visit.debtor.id),
                "node": step.node,
                "submission": f"payment-{payment.id}",  # a retried create is the same payment
            },
        )
    except PaymentError as exc:  # nothing was started: the reservation goes
        with debtor_locked(step.session, visit.debtor.id):
            step.session.execute(delete(Payment).where(Payment.id == payment.id))
        raise _unavailable(step) from exc
    with debtor_locked(step.session, visit.debtor.id):
        payment = step.session.get(Payment, payment.id, populate_existing=True) or payment
        payment.provider_id = checkout.provider_id
        payment.checkout_url = checkout.checkout_url
        payment.status = checkout.status
    return payment


def _wait_for_checkout(step: Step, payment_id: int, seconds: float = 10.0) -> Payment:
    """Another request is asking the provider for this payment's checkout: wait for it."""
    deadline = time.monotonic() + seconds
    while True:
        step.session.rollback()
        payment = step.session.get(Payment, payment_id, populate_existing=True)
        if payment is None or payment.status != "creating" or time.monotonic() > deadline:
            if payment is None or payment.checkout_url is None:
                raise _unavailable(step)
            return payment
        time.sleep(0.1)


def _unavailable(step: Step) -> Exception:
    return StepError([step._("Paying online is not possible right now. Please try again later.")])


def settle(session: Session, payment_id: int, status: str, today: date) -> Payment | None:
    """Take a status the provider reported, under the debtor's lock: the webhook, the
    debtor's return and the demo bank may report the same payment at the same moment.
    ``today`` dates the case, whose status a payment may change."""
    payment = session.get(Payment, payment_id)
    if payment is None:
        return None
    with debtor_locked(session, payment.debtor_id, link_alive=False, today=today):  # money
        payment = session.get(Payment, payment_id, populate_existing=True)
        assert payment is not None
        apply_status(session, payment, status)
    return payment


def apply_status(session: Session, payment: Payment, status: str) -> None:
    """Take a status the provider reported; the first time it is ``paid``, record the outcome.
    The caller holds the debtor's lock (``settle``).

    A status only moves forward (open, then pending or authorized, then final): the debtor's
    return may have asked the provider before the bank's word arrived and reach the lock after
    it, and its "open" must not undo a payment already recorded as paid."""
    if status not in STATUSES or _stage(status) <= _stage(payment.status):
        return
    was_paid = payment.status == "paid"
    payment.status = status
    if status == "paid" and not was_paid:
        debtor = session.get(Debtor, payment.debtor_id)
        assert debtor is not None
        session.add(
            Outcome(
                debtor_id=debtor.id,
                submission=f"payment-{payment.id}",
                action="pay",
                node=payment.node,
                details={"payment": payment.provider_id, "amount_cents": payment.amount_cents},
            )
        )
        event = EventIn(
            id=f"payment-{payment.id}",
            type="action_completed",
            node=payment.node,
            data={"action": "pay"},
        )
        record(session, debtor, event)
        enqueue_submission(session, debtor.id, f"payment-{payment.id}")  # the webhooks


def _stage(status: str) -> int:
    return 3 if status in FINAL else {"open": 1, "pending": 2, "authorized": 2}.get(status, 0)


def payment_of(session: Session, provider: str, provider_id: str) -> Payment | None:
    query = select(Payment).where(Payment.provider == provider, Payment.provider_id == provider_id)
    return session.scalar(query)


def latest_payment(session: Session, debtor: Debtor, node: str) -> Payment | None:
    query = (
        select(Payment)
        .where(Payment.debtor_id == debtor.id, Payment.node == node)
        .order_by(Payment.id.desc())
        .limit(1)
    )
    return session.scalar(query)
