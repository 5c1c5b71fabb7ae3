"""A virtual patient: walks the wizard over HTTP like a browser without JavaScript.

Each patient has its own cookie jar and answer set. It reads every page it gets, fills the fields
of the step in front of it from its answers (field names are question ids; a value the page does
not offer is an error), follows redirects itself, gets past the safety step and the crisis page,
reads ``data-outcome`` from the result's ``<main>``, and sends its answers to the clinic with its
contact details. Requests alternate between the servers it is given (cookies are per host, not
per port, so one jar serves both).

The journey logic reaches the network only through ``fetch``: the benchmarks override it to send
through their own timed client (bench/patient.py).
"""

from __future__ import annotations

import functools
import http.client
import http.cookiejar
import re
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.kit.pages import BACKWARDS, Page, parse

PREFIX = "/screening/"
START, REVIEW, RESULT, SEND, SENT, CRISIS = (PREFIX + name for name in (
    "start", "review", "result", "send", "sent", "help-now"))
FORWARD = re.compile(r"\b(continue|next|result|carry on|go on|resume|see|keep going|"
                     r"finish|done|proceed)\b", re.I)
MAX_PAGES = 60
MAX_VISITS = 4
NETWORK_ERRORS = (urllib.error.URLError, ConnectionError, http.client.HTTPException,
                  TimeoutError, OSError)


class PatientError(AssertionError):
    """The patient could not go on: the message says where and what the page said."""


class LoopbackCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Production cookies are ``Secure``; on loopback HTTP we stand in for the TLS proxy."""

    def return_ok_secure(self, cookie, request):
        return request.host.split(":")[0] == "127.0.0.1" or super().return_ok_secure(
            cookie, request)


class _NoRaise(urllib.request.HTTPErrorProcessor):
    # Hand back every response as it is: no exceptions for 4xx/5xx and no automatic redirects,
    # so each response is counted and each redirect is followed (and alternated) by us.
    def http_response(self, request, response):
        return response

    https_response = http_response


class _FromAddress(urllib.request.HTTPHandler):
    # Each patient connects from its own loopback address (127.0.0.0/8 is all local), so the
    # server sees 200 people rather than one address hammering it, as in real life.
    def __init__(self, source: str):
        super().__init__()
        self.source = source

    def http_open(self, req):
        return self.do_open(functools.partial(http.client.HTTPConnection,
                                              source_address=(self.source, 0)), req)


@dataclass
class Outcome:
    """What happened to one patient."""

    outcome: str | None = None
    sent: bool = False
    statuses: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)
    unavailable: int = 0
    network_errors: int = 0
    restarts: int = 0
    first_503: str | None = None
    unavailable_at: set = field(default_factory=set)
    steps: list = field(default_factory=list)


class Patient:
    """One patient, one cookie jar, one answer set."""

    def __init__(self, questionnaire, answers: dict, contact: dict, bases: list[str] = (),
                 retry_for: float = 0.0, think: float = 0.0, source: str | None = None):
        self.questionnaire = questionnaire
        self.answers = answers
        self.contact = contact
        self.bases = list(bases)
        self.source = source or "127.0.0.1"
        self.retry_for = retry_for
        self.think = think
        self.jar = http.cookiejar.CookieJar(LoopbackCookiePolicy())
        handlers = [urllib.request.HTTPCookieProcessor(self.jar), _NoRaise()]
        if source:
            handlers.append(_FromAddress(source))
        self.opener = urllib.request.build_opener(*handlers)
        self.result = Outcome()
        self._turn = 0
        self._visits: Counter = Counter()
        self._progress = -1

    # --- HTTP -------------------------------------------------------------------------------

    def request(self, method: str, path: str, data=None, follow: bool = True) -> Page:
        """One request (retried through 503s and dropped connections while allowed)."""
        page = self.fetch(method, path, data)
        while follow and page.status in (301, 302, 303, 307, 308):
            page = self.fetch("GET", page.resolve(page.headers.get("location")), None)
        return page

    def fetch(self, method: str, path: str, data) -> Page:
        """One request, redirects not followed; every response is counted in ``result``."""
        body = urlencode(data, doseq=True).encode() if data is not None else None
        deadline = None
        while True:
            base = self.bases[self._turn % len(self.bases)]
            self._turn += 1
            if self.think:
                time.sleep(self.think)
            request = urllib.request.Request(base + path, data=body, method=method)
            if body is not None:
                request.add_header("Content-Type", "application/x-www-form-urlencoded")
            try:
                with self.opener.open(request, timeout=30) as response:
                    page = parse(response.read().decode("utf-8", "replace"), base + path,
                                 response.status,
                                 {k.lower(): v for k, v in response.headers.items()})
            except NETWORK_ERRORS as error:
                self.result.network_errors += 1
                deadline = deadline or time.monotonic() + self.retry_for
                if time.monotonic() < deadline:
                    time.sleep(0.3)
                    continue
                raise PatientError(f"{method} {path}: {error!r}") from error
            self.result.statuses[page.status] += 1
            if page.status == 503:
                self.result.unavailable += 1
                self.result.unavailable_at.add(path.split("?")[0])
                self.result.first_503 = self.result.first_503 or page.text
                deadline = deadline or time.monotonic() + self.retry_for
                if time.monotonic() < deadline:
                    time.sleep(0.5)
                    continue
            if page.status >= 500:
                self.result.server_errors.append((method, path, page.status))
            return page

    def submit(self, page: Page, form, pairs: list[tuple[str, str]]) -> Page:
        """Send ``form`` with ``pairs`` and its forward button, as a browser would."""
        method, target, body = self.prepare(page, form, pairs)
        return self.request(method, target, body)

    def prepare(self, page: Page, form, pairs: list[tuple[str, str]]):
        """(method, path, body) of ``form`` sent with ``pairs`` and its forward button."""
        button = form.forward_button()
        target = page.resolve((button.formaction if button and button.formaction else None)
                              or form.action)
        pairs = pairs + form.press()
        if form.method == "post":
            return "POST", target, pairs
        return "GET", target.split("?")[0] + "?" + urlencode(pairs, doseq=True), None

    # --- the journey ------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Start, answer every step, read the result, send to the clinic."""
        self.run_until(SENT)
        self.result.sent = True
        return self.result

    def run_until(self, path: str) -> Page:
        """Walk from the landing page until the page at ``path`` is shown; return it."""
        page = self.start(self.request("GET", "/"))
        for _ in range(MAX_PAGES):
            if page.path == path and page.status == 200:
                return page
            page = self.next_page(page)
        raise PatientError(f"no {path} after {MAX_PAGES} pages; last {page.path}")

    def start(self, page: Page) -> Page:
        """Press "Start screening" on the landing page."""
        form = next((f for f in page.forms if page.resolve(f.action) == START), None)
        if form is None:
            raise PatientError(f"no start form on {page.path} ({page.status})")
        return self.submit(page, form, form.pairs())

    def next_page(self, page: Page) -> Page:
        """Act on the page in front of the patient."""
        self._visits[page.path] += 1
        if page.status != 200:
            raise PatientError(f"{page.status} at {page.path}: {page.visible_text()}")
        if self._visits[page.path] > MAX_VISITS:
            raise PatientError(f"stuck at {page.path}: {page.visible_text()}")
        if page.path == "/":
            self.result.restarts += 1
            raise PatientError(f"sent back to the landing page: {page.visible_text()}")
        if page.path == RESULT:
            self.result.outcome = page.main.get("data-outcome")
            return self.go_to_send(page)
        if page.path == SEND:
            return self.send(page)
        form = self.step_form(page)
        if form is not None:
            return self.answer(page, form)
        return self.go_forward(page)

    def step_form(self, page: Page):
        """The form holding questions (its field names are question ids), if any."""
        questions = self.questionnaire.questions
        return next((f for f in page.forms if f.names & questions.keys()), None)

    def answer(self, page: Page, form) -> Page:
        """Fill this step's fields from the answer set (clearing questions we leave blank)."""
        self._note_step(page.path.rsplit("/", 1)[-1])
        return self.submit(page, form, self.answer_pairs(form))

    def answer_pairs(self, form) -> list[tuple[str, str]]:
        """The step form's fields as served, with this patient's answers to its questions."""
        questions = form.names & self.questionnaire.questions.keys()
        pairs = form.pairs(skip=questions)
        for name in sorted(questions, key=list(self.questionnaire.questions).index):
            value = self.answers.get(name)
            offered = form.options(name)
            for item in value if isinstance(value, list) else ([] if value is None else [value]):
                if offered is not None and str(item) not in offered:
                    raise PatientError(f"{name}: the page offers no choice {item!r}")
                pairs.append((name, str(item)))
        return pairs

    def _note_step(self, step_id: str) -> None:
        order = [s.id for s in self.questionnaire.steps]
        if step_id not in order:
            return
        index = order.index(step_id)
        if index < self._progress:
            self.result.restarts += 1
            raise PatientError(f"sent back from step {order[self._progress]} to {step_id}")
        self._progress = index
        if not self.result.steps or self.result.steps[-1] != step_id:
            self.result.steps.append(step_id)

    def go_forward(self, page: Page) -> Page:
        """A page without questions (crisis page, review): take its way forward."""
        for form in page.forms:
            target = page.resolve(form.action)
            button = form.forward_button()
            if (target.startswith("/screening/") and target not in (START, SEND) and button
                    and FORWARD.search(button.label)):
                return self.submit(page, form, form.pairs())
        for link in page.links:
            target = page.resolve(link.href)
            if (target.startswith("/screening/") and target not in (page.path, START, SEND)
                    and FORWARD.search(link.text) and not BACKWARDS.search(link.text)):
                return self.request("GET", target)
        raise PatientError(f"no way forward on {page.path}: {page.visible_text()}")

    def go_to_send(self, page: Page) -> Page:
        """Follow "Send my answers to the clinic" from the result page."""
        for link in page.links:
            if page.resolve(link.href).split("?")[0] == SEND:
                return self.request("GET", page.resolve(link.href))
        for form in page.forms:
            if page.resolve(form.action).split("?")[0] == SEND:
                if form.method == "get":
                    return self.submit(page, form, form.pairs())
                return self.request("GET", SEND)
        raise PatientError("the result page has no way to send the answers to the clinic")

    def send(self, page: Page) -> Page:
        """Fill in contact details, tick consent and send."""
        form = next((f for f in page.forms if "consent" in f.names), None)
        if form is None:
            raise PatientError(f"no send form on {page.path}: {page.visible_text()}")
        return self.submit(page, form, self.send_pairs(form))

    def send_pairs(self, form) -> list[tuple[str, str]]:
        """The send form's fields: hidden ones as served, contact details, consent."""
        pairs = form.pairs(skip=set(self.contact) | {"consent"})
        pairs += [(k, v) for k, v in self.contact.items() if k in form.names and v is not None]
        pairs.append(("consent", form.value_for("consent")))
        return pairs
