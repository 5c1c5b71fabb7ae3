"""The send-to-the-clinic contact form: name, how to reach the patient, explicit consent.

Its words are lazily translated (the page's language); the consent statement and its error are
the questionnaire's ``texts`` in the page's language, passed in by the view.
"""

from __future__ import annotations

import re
import secrets
from typing import Any, Mapping

from wtforms import BooleanField, EmailField, Form, RadioField, SelectChoice, StringField, TelField
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, StopValidation

from screener.web.languages import lazy_gettext as _l
from screener.core.values import normal_email
from screener.storage.models import CONTACT_METHODS

METHOD_LABELS = {"email": _l("Email"), "phone": _l("Phone call"), "text": _l("Text message")}
# The send page's words in questions.yaml: the consent statement, its error, the page's intro.
SEND_TEXTS = ("consent", "consent_missing", "send_intro")
_PHONE = re.compile(r"^\+?[0-9 ().\-]+$")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _phone_check(form: Form, field) -> None:
    digits = sum(ch.isdigit() for ch in field.data or "")
    if not _PHONE.match(field.data or "") or not 7 <= digits <= 15:
        raise StopValidation(_l("Enter a phone number using digits, like 555 123 4567."))


_MAILTO_SPECIAL = re.compile(r"[?&%\s]")


def _email_check(form: Form, field) -> None:
    # An address with these would change what a staff mailto: link does (a hidden Bcc, a body).
    if field.data and _MAILTO_SPECIAL.search(field.data):
        raise StopValidation(_l("Enter an email address without spaces or the characters "
                                "? & %."))
    try:
        normal_email(field.data)
    except ValueError:
        raise StopValidation(_l("Enter an email address like name@example.com.")) from None


def _at_most(count: int):
    return _l("Use at most %(count)s characters.", count=count)


def _consent_check(form: ContactForm, field) -> None:
    if field.raw_data != ["y"]:
        raise StopValidation(form.texts["consent_missing"])


class ContactForm(Form):
    """Name, how to reach the patient, and explicit consent. Field names are a public contract."""

    name = StringField(_l("Your name"), filters=[_strip], validators=[
        DataRequired(_l("Enter your name.")), Length(max=200, message=_at_most(200))])
    email = EmailField(_l("Email address"), filters=[_strip], validators=[
        Optional(), Length(max=320, message=_at_most(320)), _email_check])
    phone = TelField(_l("Phone number"), filters=[_strip], validators=[
        Optional(), Length(max=40, message=_at_most(40)), _phone_check])
    contact_method = RadioField(
        _l("How would you like the clinic to contact you?"),
        choices=[SelectChoice(m, METHOD_LABELS.get(m, m)) for m in CONTACT_METHODS],
        validate_choice=False,
        validators=[Optional(), AnyOf(CONTACT_METHODS, message=_l("Choose one of the options."))])
    contact_time = StringField(_l("When is a good time to reach you? (optional)"),
                               filters=[_strip],
                               validators=[Length(max=200, message=_at_most(200))])
    message = TextAreaField(_l("Anything you would like the clinic to know? (optional)"),
                            filters=[_strip], validators=[Length(max=2000, message=_at_most(2000))])
    consent = BooleanField(validators=[_consent_check])  # its label is texts.consent
    # New with each empty form, sent back with it: a send sent again finds its first receipt
    # (patient/session.py, ``receipt_token``). Never an error: a missing key only loses that.
    send_key = HiddenField()

    def __init__(self, formdata=None, *, texts: Mapping[str, str]):
        """The form, from posted data or empty; ``texts`` are the questionnaire's (consent)."""
        super().__init__(formdata)
        self.texts = texts
        self.consent.label.text = texts["consent"]
        if not self.send_key.data:
            self.send_key.data = secrets.token_urlsafe(32)

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then: at least one way to reach the patient, and the chosen one given."""
        valid = super().validate(extra_validators)
        if not self.email.data and not self.phone.data and not self.email.errors:
            self.email.errors.append(_l("Give an email address or a phone number (or both)."))
            return False
        method = self.contact_method.data
        if method == "email" and not self.email.data and not self.email.errors:
            self.contact_method.errors.append(_l("You chose email: enter your email address "
                                                 "too."))
            valid = False
        if method in ("phone", "text") and not self.phone.data and not self.phone.errors:
            self.contact_method.errors.append(_l("You chose phone or text: enter your phone "
                                                 "number too."))
            valid = False
        return valid

    def contact_details(self) -> dict[str, str | None]:
        """The Screening contact columns; the method defaults to the channel given."""
        method = self.contact_method.data or ("email" if self.email.data else "phone")
        return {
            "contact_name": self.name.data, "contact_email": self.email.data or None,
            "contact_phone": self.phone.data or None, "contact_method": method,
            "contact_time": self.contact_time.data or None,
            "contact_message": self.message.data or None,
        }
