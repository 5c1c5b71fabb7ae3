"""SQLAlchemy 2 typed models, one module per area."""

from screener.storage.models.audit import AuditEvent
from screener.storage.models.base import Base, utcnow
from screener.storage.models.screening import (
    CONTACT_METHODS,
    NO_PRIORITY,
    REVIEW_STATUSES,
    SCREENING_STATUSES,
    QuestionnaireVersion,
    QueueCount,
    Screening,
    flag_list_for,
    hash_token,
    search_text_for,
)
from screener.storage.models.staff import ROLES, LoginThrottle, Note, StaffSession, StaffUser

__all__ = [
    "AuditEvent", "Base", "LoginThrottle", "CONTACT_METHODS", "NO_PRIORITY", "Note", "QuestionnaireVersion",
    "QueueCount", "REVIEW_STATUSES", "ROLES", "SCREENING_STATUSES", "Screening", "StaffSession",
    "StaffUser", "flag_list_for", "hash_token", "search_text_for", "utcnow",
]
