"""Forms of the staff area (CSRF comes with FlaskForm and the app-wide CSRFProtect)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length

from screener.staff.review import NOTE_MAX_CHARS


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class NoteForm(FlaskForm):
    body = TextAreaField("Add a note", validators=[
        DataRequired(message="Write the note before saving it."),
        Length(max=NOTE_MAX_CHARS,
               message=f"A note can be at most {NOTE_MAX_CHARS:,} characters. Shorten it, or "
                       "split it into two notes."),
    ])


def safe_next(target: str | None) -> str | None:
    """``target`` only when it is a same-site path (no scheme, no host, no '//' trick)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers drop tabs and newlines and read '\' as '/', turning '/\t/evil' into '//evil'.
    if "\\" in target or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
