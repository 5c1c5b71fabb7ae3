"""Double submit and replay: ten identical sends at once make one submission; after sending,
the back button can neither re-send nor edit the screening."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from tests.reliability.answers import random_answers, random_contact
from tests.kit.servers import migrated_env
from tests.reliability.load import audit_actions, submissions_by_email
from tests.kit.patient import SEND, SENT, Patient

ALREADY_SENT = "/screening/already-sent"


def patient_at_send(questionnaire, server, seed: int) -> tuple[Patient, list]:
    """A patient standing on the send page, and the form fields it is about to send."""
    rng = random.Random(seed)
    patient = Patient(questionnaire, random_answers(questionnaire, rng),
                      random_contact(seed, rng), [server.url])
    page = patient.run_until(SEND)
    form = next(f for f in page.forms if "consent" in f.names)
    pairs = patient.send_pairs(form)
    button = form.forward_button()
    if button is not None and button.name:
        pairs.append((button.name, button.value))
    return patient, pairs


def test_ten_concurrent_sends_make_one_submission(database_url, start_server, questionnaire):
    server = start_server(migrated_env(database_url), 2)
    patient, pairs = patient_at_send(questionnaire, server, seed=1)

    # Ten copies of the same send, each with a different name so a later one overwriting an
    # earlier one would show.
    variants = [[(k, f"{v} {n}" if k == "name" else v) for k, v in pairs] for n in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        pages = list(pool.map(lambda data: patient.request("POST", SEND, data, follow=False),
                              variants))

    statuses = [page.status for page in pages]
    assert all(status < 500 for status in statuses), statuses
    # One send wins and lands on the confirmation; those that carried the cookie from before
    # the send land on "already sent", those sent after the winner's answer (with its receipt)
    # on the confirmation. Whichever answer a double click shows, the device keeps the
    # winner's receipt, so "already sent" leads it to the confirmation.
    locations = [page.resolve(page.headers.get("location")) for page in pages
                 if page.status in (302, 303)]
    assert set(locations) <= {SENT, ALREADY_SENT} and SENT in locations, locations
    assert patient.request("GET", ALREADY_SENT).path == SENT
    stored = submissions_by_email(database_url)
    assert len(stored) == 1 and len(stored[patient.contact["email"]]) == 1
    row = stored[patient.contact["email"]][0]
    assert row["name"] in {dict(v)["name"] for v in variants}
    submitted = [a for a in audit_actions(database_url, row["id"]) if "submit" in a]
    assert len(submitted) == 1, submitted
    assert patient.request("GET", SENT).status == 200


def test_back_after_sending_cannot_resend_or_edit(database_url, start_server, questionnaire):
    server = start_server(migrated_env(database_url), 2)
    patient, pairs = patient_at_send(questionnaire, server, seed=2)
    assert patient.request("POST", SEND, pairs).path == SENT
    before = submissions_by_email(database_url)[patient.contact["email"]]

    csrf = [(k, v) for k, v in pairs if k == "csrf_token"]  # so refusals are not CSRF errors
    # Back to the send form: it is gone, and re-posting it changes nothing.
    assert patient.step_form(patient.request("GET", SEND)) is None
    other = [(k, "Someone Else" if k == "name" else v) for k, v in pairs]
    assert patient.request("POST", SEND, other).status < 500
    # Back to every step: no editable form, and posting changed answers is refused.
    for step in patient.result.steps:
        page = patient.request("GET", f"/screening/{step}")
        assert page.status < 500 and patient.step_form(page) is None, page.path
        tampered = csrf + [(q.id, str(q.allowed_values()[-1])) for q in
                    questionnaire.steps_by_id[step].questions if q.kind != "multi"]
        assert patient.request("POST", f"/screening/{step}", tampered).status < 500
    # Back to the review page: finishing again changes nothing either.
    assert patient.request("POST", "/screening/review", csrf).status < 500

    after = submissions_by_email(database_url)
    assert after == {patient.contact["email"]: before}
    assert before[0]["name"] == patient.contact["name"]
    assert before[0]["answers"] == patient.answers


def test_a_send_whose_answer_was_lost_is_confirmed_when_sent_again(database_url, start_server,
                                                                   questionnaire):
    """What a worker killed between the send's commit and its answer leaves: the browser holds
    the cookie from before and its retry sends the same form again, to either worker. It lands
    on that send's confirmation with the reference, and nothing is stored twice."""
    server = start_server(migrated_env(database_url), 2)
    patient, pairs = patient_at_send(questionnaire, server, seed=3)
    before = list(patient.jar)
    assert patient.request("POST", SEND, pairs, follow=False).status == 302
    patient.jar.clear()
    for cookie in before:  # the answer, and the cookie it set, never arrived
        patient.jar.set_cookie(cookie)
    pages = [patient.request("POST", SEND, pairs) for _ in range(2)]  # either worker takes it
    for page in pages:
        assert page.path == SENT and page.status == 200, page.visible_text()
    references = {page.find(data_reference=True).own_text for page in pages}
    assert len(references) == 1 and pages[0].find_all(id="result-copy"), pages[0].visible_text()
    assert len(submissions_by_email(database_url)[patient.contact["email"]]) == 1
