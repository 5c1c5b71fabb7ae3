"""Forms of the staff area (CSRF comes with FlaskForm and the app-wide CSRFProtect)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (EmailField, PasswordField, RadioField, SelectChoice, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from screener.staff.review import ATTEMPT_NOTE_MAX_CHARS, NOTE_MAX_CHARS
from screener.storage.models import ATTEMPT_METHODS, ATTEMPT_OUTCOMES


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class CodeForm(FlaskForm):
    """A code from the authenticator app (or, at login, a recovery code)."""

    code = StringField("Code", validators=[
        DataRequired(message="Enter the code your authenticator app shows."), Length(max=64)])


class NoteForm(FlaskForm):
    body = TextAreaField("Add a note", validators=[
        DataRequired(message="Write the note before saving it."),
        Length(max=NOTE_MAX_CHARS,
               message=f"A note can be at most {NOTE_MAX_CHARS:,} characters. Shorten it, or "
                       "split it into two notes."),
    ])


class AttemptForm(FlaskForm):
    """One contact attempt: how, how it went, and an optional short note."""

    method = SelectField("Method",
                         choices=[SelectChoice(m, m.capitalize()) for m in ATTEMPT_METHODS],
                         validators=[InputRequired()])
    outcome = RadioField(
        "Outcome", choices=[SelectChoice(o, o.replace("_", " ").capitalize())
                 for o in ATTEMPT_OUTCOMES],
        validators=[InputRequired(message="Choose how the attempt went.")])
    note = TextAreaField("Note (optional)", validators=[
        Optional(), Length(max=ATTEMPT_NOTE_MAX_CHARS,
                           message=f"At most {ATTEMPT_NOTE_MAX_CHARS:,} characters.")])
