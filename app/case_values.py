"""The case placeholders of scene format v1.1, filled from the debtor's case.

A scene may say ``{next_installment_amount}`` or ``{promise_date}``; what they stand for is
read from the case (``app.case``) when the link is opened, never from the campaign CSV, so a
payment that came in yesterday is in today's video. ``render`` formats the values per locale
and leaves out (empty) the ones the case does not have: no plan, no next instalment.
"""

from __future__ import annotations

from decimal import Decimal

from app.case import Case
from app.models import Debtor, Outcome
from render.collection_costs import collection_costs_cents
from render.formatting import Value
from render.scene import CASE_PLACEHOLDERS, Scene
from render.texts import node_texts, placeholders


def case_reference(debtor: Debtor, agreed: Outcome) -> str:
    """The number the debtor quotes on the phone: the creditor's reference and ours."""
    return f"{debtor.reference}-{agreed.id}"


def case_values(case: Case, debtor: Debtor) -> dict[str, Value]:
    """The case placeholders this case has values for (money as ``Decimal``, dates as dates)."""
    values: dict[str, Value] = {
        "open_amount": _euros(case.open_cents),
        "paid_amount": _euros(case.paid_cents),
        "collection_costs": _euros(collection_costs_cents(case.owed_cents)),
    }
    if case.promise is not None and case.dues:
        values["promise_date"] = case.dues[0].day
    if case.plan is not None:
        left = [due for due in case.dues if not due.paid]
        values["installments_left"] = Decimal(len(left))
        if left and case.payable_cents > 0:
            values["next_installment_amount"] = _euros(case.payable_cents)
            values["next_installment_date"] = left[0].day
    agreed = case.plan or case.promise
    if agreed is not None:
        values["case_reference"] = case_reference(debtor, agreed)
    return values


def uses_case_values(scene: Scene) -> bool:
    """Whether any text of the scene says a case value (a debtor variable of the same name
    hides it): only then is the case read for a render."""
    wanted = set(CASE_PLACEHOLDERS) - set(scene.variables)
    return any(
        wanted & set(placeholders(text.text))
        for node_id, node in scene.nodes.items()
        for text in node_texts(node_id, node)
    )


def _euros(cents: int) -> Decimal:
    return Decimal(cents) / 100
