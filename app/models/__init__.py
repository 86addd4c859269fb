"""The database: campaigns, debtors and everything a debtor does. Money is integer cents."""

from app.models.base import Base
from app.models.campaign import Campaign, RenderJob, Variant
from app.models.case_file import CaseNote, Document, StatusChange
from app.models.debtor import Debtor
from app.models.event import Event
from app.models.message import Message
from app.models.outcome import Installment, Outcome
from app.models.payment import Payment
from app.models.user import ApiKey, LoginAttempt, User
from app.models.webhook import WebhookDelivery, WebhookEndpoint

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
