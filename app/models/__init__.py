"""The database: campaigns, debtors and everything a debtor does. Money is integer cents."""

from app.models.base import Base
from app.models.campaign import Campaign, Variant
from app.models.case_file import CaseNote, Document, StatusChange
from app.models.debtor import Debtor
from app.models.event import Event
from app.models.message import Message
from app.models.operator import (
    ApiKey,
    LoginAttempt,
    RenderJob,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from app.models.outcome import Installment, Outcome
from app.models.payment import Payment

__all__ = [
    "ApiKey",
    "Base",
    "Campaign",
    "CaseNote",
    "Debtor",
    "Document",
    "Event",
    "Installment",
    "LoginAttempt",
    "Message",
    "Outcome",
    "Payment",
    "RenderJob",
    "StatusChange",
    "User",
    "Variant",
    "WebhookDelivery",
    "WebhookEndpoint",
]
