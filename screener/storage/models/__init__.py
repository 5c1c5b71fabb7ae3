"""SQLAlchemy 2 typed models, one module per area."""

from screener.storage.models.audit import AuditEvent
from screener.storage.models.base import Base, utcnow
from screener.storage.models.contact import ATTEMPT_METHODS, ATTEMPT_OUTCOMES, ContactAttempt
from screener.storage.models.dashboard import CountsRolledUp, DailyCount
from screener.storage.models.screening import (
    CONTACT_METHODS,
    NO_PRIORITY,
    OPEN_REVIEW_STATUSES,
    REVIEW_STATUSES,
    SCREENING_STATUSES,
    QuestionnaireVersion,
    QueueCount,
    Screening,
    flag_list_for,
    hash_token,
    queue_priority,
    search_text_for,
)
from screener.storage.models.outbox import OUTBOX_STATUSES, OutboxMessage
from screener.storage.models.receipt import RETIRED_REASONS, Receipt, RetiredToken
from screener.storage.models.safety import SafetyAnswer
from screener.storage.models.staff import (PERMISSIONS, ROLES, LoginThrottle, Note, RecoveryCode,
                                           StaffSession, StaffUser)

__all__ = [
    "ATTEMPT_METHODS", "ATTEMPT_OUTCOMES", "AuditEvent", "Base", "CONTACT_METHODS",
    "ContactAttempt", "CountsRolledUp", "DailyCount", "LoginThrottle", "NO_PRIORITY", "Note",
    "OPEN_REVIEW_STATUSES", "OUTBOX_STATUSES", "OutboxMessage", "PERMISSIONS",
    "QuestionnaireVersion", "QueueCount", "RETIRED_REASONS", "REVIEW_STATUSES", "Receipt",
    "RetiredToken", "ROLES", "RecoveryCode",
    "SCREENING_STATUSES", "SafetyAnswer", "Screening", "StaffSession",
    "StaffUser", "flag_list_for", "hash_token", "queue_priority", "search_text_for", "utcnow",
]
