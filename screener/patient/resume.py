"""Save and continue later: a resume code that opens an unsent screening in another browser.

"Save and continue later" on a step keeps its valid choices and leads to ``/screening/save``,
which shows a new code once (the code is stored only as a keyed hash, see
storage/resume_codes.py). A code works once: a new one can be made.
``/screening/resume`` takes the code on any device and opens the screening there, at the step
where it stopped. Wrong codes get a plain message; attempts are rate limited per address.
"""

from __future__ import annotations

import secrets

from flask import current_app, flash, redirect, render_template, request, session, url_for

from screener.patient import session as draft_session
from screener.extensions import db
from screener.web import transactions
from screener.web.code_keys import RESUME_CODES, code_key
from screener.web.languages import gettext
from screener.storage import resume_codes
from screener.patient.flow import journey_for, load_draft, resume_url, write_refused

CODE_KEY = "resume_code"  # the new code, between the POST that made it and the page showing it
CODE_ERROR_KEY = "resume_code_error"


def save_page():
    """The code just made (shown once), or a button to make one."""
    screening = load_draft()
    questionnaire, journey = journey_for(screening)
    return render_template("patient/save.html", code=session.pop(CODE_KEY, None),
                           continue_url=resume_url(screening, journey),
                           hours=current_app.config["DRAFT_TTL_HOURS"])


def make_code():
    """A new code for this screening (any earlier one stops working)."""
    return show_new_code(load_draft())


def show_new_code(screening):
    """Make a code and redirect to the page that shows it, once."""
    code = resume_codes.issue(screening.id, code_key(RESUME_CODES))
    if code is None:
        return write_refused()
    session[CODE_KEY] = code
    return redirect(url_for("wizard.save"))


def resume_page():
    """The form to type a code into."""
    if not session.pop(CODE_ERROR_KEY, False):
        return render_template("patient/resume.html", error=None)
    error = gettext("We could not find a screening in progress with that code. Check the code "
                    "and try again: it has 12 letters and numbers, like 7KQ4-M9TX-2HPC. A code "
                    "works once, and stops working when the screening is sent or deleted, or "
                    "%(hours)s hours after the last answer. If you used it already, make a new "
                    "one on the device that has the screening.",
                    hours=current_app.config["DRAFT_TTL_HOURS"])
    return render_template("patient/resume.html", error=error)


def resume_with_code():
    """Open the screening of the code in this browser (rate limited per address)."""
    token = secrets.token_urlsafe(32)
    typed = str(request.form.get("code", ""))[:100]
    if not resume_codes.claim(db.session, typed, token, code_key(RESUME_CODES),
                              draft_session.ttl()):
        transactions.rollback()
        session[CODE_ERROR_KEY] = True
        return redirect(url_for("wizard.resume_code"))
    transactions.commit()  # the move, the spent code and the retired token, together
    draft_session.adopt(token)
    screening = load_draft()
    draft_session.take_language(screening)  # it opens in the language it was answered in
    _, journey = journey_for(screening)
    flash(gettext("Welcome back. Your answers are here: carry on where you stopped."), "success")
    return redirect(resume_url(screening, journey))
