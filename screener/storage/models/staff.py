"""Staff accounts, their login sessions, and notes on submissions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, ForeignKey, String, Text,
                        UniqueConstraint)
from sqlalchemy.sql.expression import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screener.storage.models.base import Base, utcnow

if TYPE_CHECKING:
    from screener.storage.models.screening import Screening

ROLES = ("intake", "clinician", "admin")
# What each role may do: the one place a role turns into permissions. Views and templates ask
# ``current_user.can(permission)``, never which role someone has.
PERMISSIONS: dict[str, frozenset[str]] = {
    "review": frozenset(ROLES),  # the queue, a submission, its status, assignment and notes
    "export": frozenset({"clinician", "admin"}),  # CSV, FHIR and printable summaries
    "administer": frozenset({"admin"}),  # staff accounts and the audit log
}


class StaffUser(Base):
    """A staff account: a role, a password hash, and the wrong-password count of its logins."""

    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role IN ('intake', 'clinician', 'admin')", name="role_known"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Wrong passwords for this account since its last login, from any address; the owner is told
    # the count at the next login (see web/throttle.py).
    failed_logins: Mapped[int] = mapped_column(default=0)
    # No longer set: accounts are not locked (an outsider could lock the owner out); failures are
    # throttled per (account, address) and per address in ``login_throttles`` instead.
    locked_until: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[Optional[datetime]]
    # The second factor (web/mfa.py): the TOTP secret, encrypted; set at the start of enrolment
    # and confirmed (``totp_enrolled_at``) by the first correct code. ``totp_last_step`` is the
    # 30-second step of the last code accepted: a code is accepted once, never replayed.
    totp_secret: Mapped[Optional[str]] = mapped_column(String(255))
    totp_enrolled_at: Mapped[Optional[datetime]]
    totp_last_step: Mapped[Optional[int]] = mapped_column(BigInteger)
    # Set by the CLI (create, reset-password, reset-mfa): the person chooses a new password at
    # the next login; before a second factor is set up it is the proof beyond the password.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=sa_false())
    # Wrong second-factor codes from any address since ``code_failures_since`` (one hour);
    # past the limit the account's pending logins end (web/auth.py).
    code_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    code_failures_since: Mapped[Optional[datetime]]
    # When the limit last ended the pending logins: the owner is told at the next login.
    code_limit_hit_at: Mapped[Optional[datetime]]

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.role}>"

    @property
    def has_second_factor(self) -> bool:
        """Whether the account has confirmed an authenticator app."""
        return self.totp_enrolled_at is not None

    def can(self, permission: str) -> bool:
        """Whether this account's role allows ``permission`` (a key of ``PERMISSIONS``)."""
        return self.role in PERMISSIONS[permission]

    # The user interface Flask-Login expects, spelled out so storage does not import it.
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)


class LoginThrottle(Base):
    """Failed logins from one address for one account email (``email`` set), or from one address
    for any account (``email`` empty). Past a few free failures each further one blocks the
    pair (or address) for a growing delay; the correct password from elsewhere is never refused.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("email", "address", name="uq_login_throttles_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))  # "" for the per-address row
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[Optional[datetime]]
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.id} failures={self.failures}>"


class RecoveryCode(Base):
    """One of an account's single-use recovery codes (for a lost phone), stored hashed."""

    __tablename__ = "staff_recovery_codes"
    __table_args__ = (
        UniqueConstraint("user_id", "code_hash", name="uq_staff_recovery_codes_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                         index=True)
    # HMAC-SHA-256 of the normalised code under a server key (web/code_keys.py); older rows
    # hold a bare SHA-256, accepted until used or replaced.
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[Optional[datetime]]

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id}>"


class StaffSession(Base):
    """One login. The cookie carries only the id; logout, deactivation and password reset end
    the row, so a copied cookie stops working at once."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[Optional[datetime]]
    # New recovery codes, encrypted, until their page shows them once (then cleared): kept
    # here, not in the cookie, so a copied cookie cannot show them again.
    recovery_codes: Mapped[Optional[str]] = mapped_column(Text)

    user: Mapped[StaffUser] = relationship()

    def __repr__(self) -> str:
        return f"<StaffSession user={self.user_id}>"


class PendingLogin(Base):
    """A correct password waiting for its second factor. The cookie carries only a random token
    whose hash is the id; the wrong-code count lives here, so replaying an older cookie resets
    nothing. Single use: a finished login, too many wrong codes, a new password, ``users
    reset-mfa`` or ``users create`` end it (``ended_at``)."""

    __tablename__ = "staff_pending_logins"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                         index=True)
    # A short hash of the password hash it began with: a password change in between voids it.
    password_mark: Mapped[str] = mapped_column(String(16))
    next_target: Mapped[str] = mapped_column(String(500), default="")
    failures: Mapped[int] = mapped_column(default=0)
    # The person chose a new password in this pending login (the proof enrolment needs).
    password_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[Optional[datetime]]

    def __repr__(self) -> str:
        return f"<PendingLogin user={self.user_id}>"


class Note(Base):
    """An append-only note by a staff member on a submission."""

    __tablename__ = "notes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    screening_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    screening: Mapped[Screening] = relationship(back_populates="notes")
    author: Mapped[StaffUser] = relationship()

    def __repr__(self) -> str:
        return f"<Note {self.id} on {self.screening_id}>"
