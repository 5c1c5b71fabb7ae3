"""Save and continue later: resume codes, and opening a screening on another device with one."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from screener.extensions import db
from screener.storage import code_hash, resume_codes
from screener.web.code_keys import RESUME_CODES, code_key
from screener.storage.models import Screening, hash_token, utcnow
from tests.helpers import baseline
from tests.kit.pages import parse
from tests.web.test_wizard import only
from tests.web.test_wizard_security import csrf_token
from tests.web.wizard_client import complete, send, step_data, walk


def resume_code(page: str) -> str:
    """The resume code the save page shows (its ``data-resume-code``)."""
    return parse(page).find(data_resume_code=True).get("data-resume-code")


def save_for_later(client, step_id: str, data: dict | None = None) -> str:
    """Press "Save and continue later" on a step; the code the save page shows."""
    response = client.post(f"/screening/{step_id}", data={**(data or {}), "action": "save"})
    assert response.status_code == 302 and response.headers["Location"] == "/screening/save"
    page = client.get("/screening/save").get_data(as_text=True)
    return resume_code(page)


def test_code_format_and_entropy():
    codes = {resume_codes.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
        assert not set(code) & set("01OILUV")  # no look-alikes
    assert resume_codes.entropy_bits() >= 50
    assert resume_codes.entropy_bits() == pytest.approx(12 * math.log2(len(resume_codes.ALPHABET)))


@pytest.mark.parametrize("typed, expected", [
    ("7kq4-m9tx-2hpc", "7KQ4M9TX2HPC"),
    (" 7KQ4 M9TX 2HPC ", "7KQ4M9TX2HPC"),
    ("7KQ4M9TX2HPC", "7KQ4M9TX2HPC"),
    ("7KQ4-M9TX-2HP", None),
    ("7KQ4-M9TX-2HP0", None),  # 0 is not in the alphabet
    ("", None),
    ("<script>", None),
])
def test_typed_codes_are_normalised(typed, expected):
    assert resume_codes.normalise(typed) == expected


def test_every_step_offers_save_and_continue_later(client):
    client.post("/screening/start")
    page = client.get("/screening/about").get_data(as_text=True)
    assert 'name="action" value="save"' in page and "Save and continue later" in page


def test_save_keeps_valid_choices_and_stores_only_a_hash(app, client):
    walk(client, baseline(), until="phq9")
    data = step_data("phq9", baseline())
    del data["phq9_9"]
    code = save_for_later(client, "phq9", data)
    stored = only(app)
    assert stored.answers["phq9_1"] == 0 and "phq9_9" not in stored.answers
    with app.app_context():
        key = code_key(RESUME_CODES)
    # A keyed hash: a dump alone cannot be searched by hashing every possible code.
    assert stored.resume_code_hash == code_hash.keyed_hash(key, resume_codes.normalise(code))
    assert stored.resume_code_hash != hash_token(resume_codes.normalise(code))
    assert code not in str(stored.answers) and code.replace("-", "") not in stored.resume_code_hash
    # Shown once: a reload offers a new code instead.
    again = client.get("/screening/save").get_data(as_text=True)
    assert "data-resume-code" not in again and 'action="/screening/save"' in again


def test_resume_on_another_device_opens_the_step_where_it_stopped(app, client):
    walk(client, baseline(), until="phq9")
    code = save_for_later(client, "phq9", {"phq9_1": "2"})
    other = app.test_client()
    response = other.post("/screening/resume", data={"code": code.lower()})
    assert response.headers["Location"] == "/screening/phq9"
    page = other.get("/screening/phq9").get_data(as_text=True)
    assert 'id="phq9_1-2" value="2" checked' in page
    assert "Welcome back" in page
    # The screening moved: the first browser no longer opens it, and is told where it went.
    assert client.get("/screening/phq9").headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "You opened this screening on another device" in page and "expired" not in page
    # Single use (issue 23): whoever saw the written-down code cannot open it again.
    third = app.test_client()
    assert third.post("/screening/resume", data={"code": code}).headers["Location"] == (
        "/screening/resume")
    assert only(app).resume_code_hash is None
    # A new code, made on the device that has the screening, works (once) again.
    again = save_for_later(other, "phq9")
    assert client.post("/screening/resume", data={"code": again}).headers["Location"] == (
        "/screening/phq9")


def test_a_code_stored_as_a_bare_sha256_before_the_upgrade_works_once(app, client):
    """Existing hashes keep working until used."""
    walk(client, baseline(), until="phq9")
    code = save_for_later(client, "phq9")
    with app.app_context():
        db.session.execute(update(Screening).values(
            resume_code_hash=hash_token(resume_codes.normalise(code))))
        db.session.commit()
    other = app.test_client()
    assert other.post("/screening/resume", data={"code": code}).headers["Location"] == (
        "/screening/phq9")
    assert app.test_client().post("/screening/resume", data={"code": code}).headers[
        "Location"] == "/screening/resume"
    assert only(app).resume_code_hash is None


def test_a_self_harm_answer_survives_the_move_to_another_device(app, client):
    """The screening moves with its safety records; nothing of them is lost with the code."""
    from tests.helpers import phq9
    walk(client, baseline(**phq9(0, 0, 0, 0, 0, 0, 0, 0, 2)), until="gad7")
    code = save_for_later(client, "gad7")
    other = app.test_client()
    other.post("/screening/resume", data={"code": code})
    with app.app_context():
        from screener.storage.models import SafetyAnswer
        from sqlalchemy import select
        recorded = db.session.scalars(select(SafetyAnswer.question_id)).all()
    assert "phq9_9" in recorded
    assert only(app).answers["phq9_9"] == 2


def test_a_new_code_replaces_the_old_one(app, client):
    walk(client, baseline(), until="gad7")
    first = save_for_later(client, "gad7")
    assert client.post("/screening/save").headers["Location"] == "/screening/save"
    second = resume_code(client.get("/screening/save").get_data(as_text=True))
    assert first != second
    other = app.test_client()
    assert other.post("/screening/resume", data={"code": first}).headers["Location"] == (
        "/screening/resume")
    assert other.post("/screening/resume", data={"code": second}).headers["Location"] == (
        "/screening/gad7")


@pytest.mark.parametrize("typed", ["", "nonsense", "ABCD-EFGH-JKMN", "x" * 5000, "\u00e9" * 12])
def test_wrong_codes_get_a_clear_message_never_a_500(client, typed):
    response = client.post("/screening/resume", data={"code": typed})
    assert response.status_code == 302 and response.headers["Location"] == "/screening/resume"
    page = client.get("/screening/resume").get_data(as_text=True)
    assert "We could not find a screening in progress with that code" in page
    assert 'aria-invalid="true"' in page and 'href="#code"' in page
    assert "<title>Error: " in page
    # The message is shown once, not on the next visit.
    assert "We could not find" not in client.get("/screening/resume").get_data(as_text=True)


def test_expired_or_sent_screenings_cannot_be_resumed(app, client):
    walk(client, baseline(), until="gad7")
    code = save_for_later(client, "gad7")
    with app.app_context():
        db.session.execute(update(Screening).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    other = app.test_client()
    assert other.post("/screening/resume", data={"code": code}).headers["Location"] == (
        "/screening/resume")

    sender = app.test_client()
    complete(sender, baseline())
    code = save_for_later(sender, "about")
    send(sender)
    assert only_sent(app).resume_code_hash is None
    assert other.post("/screening/resume", data={"code": code}).headers["Location"] == (
        "/screening/resume")


def only_sent(app) -> Screening:
    with app.app_context():
        row = db.session.query(Screening).filter_by(status="submitted").one()
        db.session.expunge_all()
        return row


def test_resume_attempts_are_rate_limited_per_address(app, client):
    app.config["RESUME_RATE_LIMIT"] = "3/minute"
    for _ in range(3):
        assert client.post("/screening/resume", data={"code": "nope"}).status_code == 302
    response = client.post("/screening/resume", data={"code": "nope"})
    assert response.status_code == 429 and b"Too many attempts" in response.data
    other_address = app.test_client()
    assert other_address.post("/screening/resume", data={"code": "nope"},
                              environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


def test_save_and_resume_pages_need_a_screening_or_a_code(client):
    assert client.get("/screening/save").headers["Location"] == "/"
    page = client.get("/screening/resume").get_data(as_text=True)
    assert 'name="code"' in page and 'name="csrf_token"' in page
    assert 'href="/screening/resume"' in client.get("/").get_data(as_text=True)


@pytest.mark.csrf
def test_resume_needs_a_csrf_token(app, client):
    walk_client = app.test_client()
    walk_client.post("/screening/start", data={"csrf_token": csrf_token(walk_client, "/")})
    token = csrf_token(walk_client, "/screening/about")
    walk_client.post("/screening/about", data={"action": "save", "csrf_token": token})
    code = resume_code(walk_client.get("/screening/save").get_data(as_text=True))
    response = client.post("/screening/resume", data={"code": code})
    assert response.headers["Location"] == "/screening/resume"  # refused: no token
    token = csrf_token(client, "/screening/resume")
    response = client.post("/screening/resume", data={"code": code, "csrf_token": token})
    assert response.headers["Location"] == "/screening/about"
