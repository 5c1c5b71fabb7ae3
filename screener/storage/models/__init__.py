"""SQLAlchemy 2 typed models, one module per area."""

from screener.storage.models.audit import AuditEvent
from screener.storage.models.base import Base, utcnow
from screener.storage.models.contact import (ATTEMPT_METHODS, ATTEMPT_OUTCOMES, KEPT_KINDS,
                                             ContactAttempt, KeptNote)
from screener.storage.models.dashboard import CountsRolledUp, DailyCount
from screener.storage.models.screening import (
    CONTACT_METHODS,
    NO_PRIORITY,
    NOT_CLOSED,
    REVIEW_STATUSES,
    SCREENING_STATUSES,
    WAITING,
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
from screener.storage.models.staff import (PERMISSIONS, ROLES, LoginThrottle, Note,
                                           PendingLogin, RecoveryCode, StaffSession, StaffUser)

__all__ = [
    "ATTEMPT_METHODS", "ATTEMPT_OUTCOMES", "AuditEvent", "Base", "CONTACT_METHODS",
    "ContactAttempt", "CountsRolledUp", "DailyCount", "KEPT_KINDS", "KeptNote", "LoginThrottle",
    "NO_PRIORITY", "NOT_CLOSED",
    "Note", "OUTBOX_STATUSES", "PendingLogin", "OutboxMessage", "PERMISSIONS",
    "QuestionnaireVersion", "QueueCount", "RETIRED_REASONS", "REVIEW_STATUSES", "ROLES",
    "Receipt", "RecoveryCode", "RetiredToken",
    "SCREENING_STATUSES", "SafetyAnswer", "Screening", "StaffSession",
    "StaffUser", "WAITING", "flag_list_for", "hash_token", "queue_priority", "search_text_for", "utcnow",
]
