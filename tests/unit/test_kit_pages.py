"""The test kit's HTML reader (tests/kit/pages.py), which the reliability tests and the
benchmarks drive the app with: it must read forms the way a browser sends them."""

from __future__ import annotations

from tests.kit.pages import parse

STEP = """<main data-outcome="crisis"><h1>Mood  check</h1>
<form method="post" action="/screening/mood">
  <input type="hidden" name="csrf_token" value="t0k">
  <input type="radio" name="mood" value="0" checked><input type="radio" name="mood" value="1">
  <input type="checkbox" name="days" value="mon"><input type="checkbox" name="days" value="tue">
  <select name="when"><option value="am">Morning</option><option value="pm">Evening</option></select>
  <textarea name="note">keep
me</textarea>
  <button type="submit" name="action" value="back">Back</button>
  <button type="submit" name="action" value="continue">Continue</button>
</form>
<a href="/screening/help">Help</a> <a rel="next" href="/staff/?after=x">Next page</a>
<form method="get" action="/staff/"><input name="q" value=""><button>Search</button></form>
</main>"""


def test_a_form_is_sent_as_a_browser_would():
    page = parse(STEP, "http://127.0.0.1:5000/screening/mood")
    form = page.form_posting_to("/screening/mood")
    assert form.names == {"csrf_token", "mood", "days", "when", "note"}
    assert form.pairs() == [("csrf_token", "t0k"), ("mood", "0"), ("when", "am"),
                            ("note", "keep\nme")]
    assert form.hidden() == [("csrf_token", "t0k")]
    assert form.press() == [("action", "continue")], "Back is never the way forward"


def test_choices_are_offered_and_other_fields_are_not():
    form = parse(STEP).forms[0]
    assert form.options("mood") == ["0", "1"]
    assert form.options("when") == ["am", "pm"]
    assert form.options("note") is None and form.options("csrf_token") is None


def test_links_main_and_heading_are_read():
    page = parse(STEP, "http://127.0.0.1:5000/screening/mood")
    assert [(link.href, link.text) for link in page.links] == [
        ("/screening/help", "Help"), ("/staff/?after=x", "Next page")]
    assert page.rel == {"next": "/staff/?after=x"}
    assert page.main["data-outcome"] == "crisis" and page.h1 == "Mood check"
    assert page.resolve(page.links[0].href) == "/screening/help"


def test_a_get_form_and_a_form_found_by_its_fields():
    page = parse(STEP)
    assert page.forms[1].method == "get" and page.forms[1].press() == []
    assert page.form_posting_to("/elsewhere", {"days"}) is page.forms[0]
    assert page.form_posting_to("/elsewhere") is None


def test_a_non_html_response_has_no_forms():
    page = parse("<form></form>", headers={"content-type": "application/json"})
    assert page.forms == [] and page.links == []
