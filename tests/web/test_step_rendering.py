"""Radio and checkbox groups are rendered in plain Jinja, the same as WTForms would, and reused.

The choice_group macro loops over ``field.choices`` instead of iterating the field (which builds a
WTForms field per option); these tests hold it to WTForms' own ids, values, labels and checked
state. ``fragments.cached_group`` reuses a group's HTML only while it cannot differ.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from screener.patient import forms, fragments
from tests.helpers import baseline
from tests.kit.pages import parse


class Inputs(HTMLParser):
    """The inputs of a page with the text of their labels."""

    def __init__(self):
        super().__init__()
        self.inputs, self.labels, self._for = [], {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("radio", "checkbox"):
            self.inputs.append((attrs["type"], attrs["name"], attrs["id"], attrs["value"],
                                "checked" in attrs))
        elif tag == "label":
            self._for = attrs.get("for")

    def handle_data(self, data):
        if self._for:
            self.labels[self._for] = self.labels.get(self._for, "") + data

    def handle_endtag(self, tag):
        if tag == "label":
            self._for = None


def parsed(html: str) -> Inputs:
    page = Inputs()
    page.feed(str(html))
    return page


def wtforms_view(field):
    """What WTForms itself renders for each option of ``field``."""
    return [(field.input_type, field.name, option.id, option._value(), option.checked)
            for option in field]


def every_step_form(questionnaire, answers=None, formdata=None):
    for step in questionnaire.steps:
        yield step, forms.step_form(questionnaire, step, list(step.questions), formdata=formdata,
                                    answers=answers)


def macro(app):
    return app.jinja_env.get_template("_form.html").module.choice_group


@pytest.mark.parametrize("answers", [
    {},
    baseline(diagnoses=["depression", "ptsd"], chronic_pain="yes", peg_1=0, peg_2=10, peg_3=4),
    baseline(diagnoses=["none"], antidepressants_tried="0", phq9_9=3, cssrs_thoughts="yes",
             suicide_attempt="yes"),
], ids=["unanswered", "answered", "other answers"])
def test_groups_match_what_wtforms_renders(app, questionnaire, answers):
    with app.test_request_context():
        for _, form in every_step_form(questionnaire, answers=answers):
            for field in form:
                page = parsed(macro(app)(field))
                assert page.inputs == wtforms_view(field)
                assert [page.labels[option.id] for option in field] == \
                    [option.label.text for option in field]


def test_posted_values_and_errors_render_like_wtforms(app, questionnaire):
    posted = MultiDict([("phq9_1", "2"), ("phq9_2", "banana"), ("diagnoses", "ptsd"),
                        ("diagnoses", "anxiety"), ("peg_1", "7")])
    with app.test_request_context():
        for _, form in every_step_form(questionnaire, formdata=posted):
            form.validate()
            for field in form:
                html = str(macro(app)(field))
                assert parsed(html).inputs == wtforms_view(field)
                if field.errors:
                    assert f'id="{field.id}-error"' in html
                    described = [element.get("aria-describedby").split()
                                 for element in parse(html).find_all(aria_describedby=True)]
                    assert any(f"{field.id}-error" in ids for ids in described), described


def test_contact_method_renders_like_wtforms(app):
    with app.test_request_context():
        form = forms.ContactForm(MultiDict([("contact_method", "phone")]),
                                 texts=app.extensions["questionnaire"].texts)
        field = form.contact_method
        view = [("radio", field.name, o.id, o._value(), o.checked) for o in field]
        assert parsed(macro(app)(field)).inputs == view
        assert [checked for *_, checked in view] == [False, True, False]


def test_cached_groups_equal_fresh_ones(app, questionnaire):
    answers = baseline(diagnoses=["anxiety", "other"], chronic_pain="yes", peg_1=3, peg_2=3,
                       peg_3=9)
    with app.test_request_context():
        for _ in range(2):  # the second pass is served from the cache
            for _, form in every_step_form(questionnaire, answers=answers):
                for field in form:
                    assert fragments.cached_group(macro(app), field) == macro(app)(field)


def test_a_cached_group_is_reused_only_for_the_same_answer(app, questionnaire):
    step = questionnaire.steps_by_id["phq9"]
    with app.test_request_context():
        first = forms.step_form(questionnaire, step, list(step.questions), answers={"phq9_1": 1})
        again = forms.step_form(questionnaire, step, list(step.questions), answers={"phq9_1": 1})
        other = forms.step_form(questionnaire, step, list(step.questions), answers={"phq9_1": 2})
        html = fragments.cached_group(macro(app), first.phq9_1)
        assert fragments.cached_group(macro(app), again.phq9_1) is html
        changed = fragments.cached_group(macro(app), other.phq9_1)
        assert changed != html and 'value="2" checked' in changed


def test_errors_and_invalid_values_are_never_cached(app, questionnaire):
    step = questionnaire.steps_by_id["phq9"]
    cache = app.extensions["fragments"]
    with app.test_request_context():
        before = len(cache)
        for value in ("9", "banana", "<script>"):
            form = forms.step_form(questionnaire, step, list(step.questions),
                                   formdata=MultiDict([("phq9_1", value)]))
            fragments.cached_group(macro(app), form.phq9_1)  # invalid, not validated yet
            form.validate()
            html = fragments.cached_group(macro(app), form.phq9_1)
            assert "field-error" in html
        assert len(cache) == before


def test_the_cache_stays_bounded(app, questionnaire):
    cache = app.extensions["fragments"] = fragments.FragmentCache(max_chars=5000)
    with app.test_request_context():
        for _, form in every_step_form(questionnaire, answers=baseline()):
            for field in form:
                html = fragments.cached_group(macro(app), field)
                assert cache.chars <= 5000
                assert cache.chars == sum(len(html) for _, html in cache._entries.values())
                assert len(html) > 5000 or fragments.cached_group(macro(app), field) is html


def test_step_page_serves_groups_from_the_cache(app, client, questionnaire):
    from tests.web.wizard_client import walk

    walk(client, baseline(), until="phq9")
    first = client.get("/screening/phq9").get_data(as_text=True)
    second = client.get("/screening/phq9").get_data(as_text=True)
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", first) == strip.sub("", second)
    assert len(parsed(first).inputs) == sum(
        len(q.allowed_values()) for q in questionnaire.steps_by_id["phq9"].questions)


# --- whole steps shown with the stored answers -------------------------------------------------

def shown(questionnaire, step, answers, calls):
    """``fragments.answered_step`` for ``step``, counting the forms it had to build."""
    questions = list(step.questions)

    def build():
        calls.append(step.id)
        return forms.step_form(questionnaire, step, questions, answers=answers)

    return fragments.answered_step(questionnaire, step, questions, answers, build)


@pytest.mark.parametrize("answers", [
    {},
    baseline(diagnoses=["depression", "ptsd"], chronic_pain="yes", peg_1=0, peg_2=10, peg_3=4),
], ids=["unanswered", "answered"])
def test_a_shown_step_equals_its_form_rendered_afresh(app, questionnaire, answers):
    with app.test_request_context():
        for _ in range(2):  # the second pass comes from the cache
            for step, form in every_step_form(questionnaire, answers=answers):
                html = shown(questionnaire, step, answers, [])
                assert parsed(html).inputs == [view for field in form
                                               for view in wtforms_view(field)]
                assert html == fragments.choice_groups(form)


def test_a_shown_step_is_built_once_per_answers(app, questionnaire):
    step = questionnaire.steps_by_id["phq9"]
    calls = []
    with app.test_request_context():
        empty = shown(questionnaire, step, {}, calls)
        assert shown(questionnaire, step, {}, calls) is empty and len(calls) == 1
        answered = shown(questionnaire, step, {"phq9_1": 2}, calls)
        assert len(calls) == 2 and answered != empty
        assert 'name="phq9_1" id="phq9_1-2" value="2" checked' in answered
        assert shown(questionnaire, step, {"phq9_1": 2}, calls) is answered and len(calls) == 2


def test_a_stored_answer_the_step_does_not_offer_is_never_cached(app, questionnaire):
    step = questionnaire.steps_by_id["phq9"]
    calls = []
    with app.test_request_context():
        for _ in range(2):
            html = shown(questionnaire, step, {"phq9_1": 7}, calls)
            assert not parse(html).find_all(checked=True)
    steps = [key for key in app.extensions["fragments"]._entries if key[0] == "step"]
    assert len(calls) == 2 and steps == []


def test_shown_steps_stay_bounded(app, questionnaire):
    step = questionnaire.steps_by_id["phq9"]
    with app.test_request_context():
        for value in range(3):  # how much three shown steps (and their groups) take
            shown(questionnaire, step, {"phq9_1": value}, [])
        room = app.extensions["fragments"].chars
        cache = app.extensions["fragments"] = fragments.FragmentCache(max_chars=room)
        for value in range(4):
            shown(questionnaire, step, {"phq9_1": value}, [])
            assert cache.chars <= room
        calls = []
        shown(questionnaire, step, {"phq9_1": 3}, calls)  # the most recent stays
        shown(questionnaire, step, {"phq9_1": 0}, calls)  # the oldest was dropped
        assert calls == ["phq9"]


def test_a_step_page_shows_the_answer_saved_a_moment_ago(client, questionnaire):
    from tests.web.wizard_client import walk

    walk(client, baseline(), until="phq9")
    before = client.get("/screening/phq9").get_data(as_text=True)
    assert not parse(before).find_all(checked=True)
    walk(client, baseline(**{"phq9_1": 3}), until="gad7")
    after = client.get("/screening/phq9").get_data(as_text=True)
    assert 'id="phq9_1-3" value="3" checked' in after


# --- the cache itself ---------------------------------------------------------------------------

def test_each_app_has_its_own_fragment_cache_and_the_module_none(app, tmp_path):
    from tests.kit.apps import make_app

    other = make_app(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert isinstance(app.extensions["fragments"], fragments.FragmentCache)
    assert app.extensions["fragments"] is not other.extensions["fragments"]
    assert not [name for name, value in vars(fragments).items() if not name.startswith("__")
                and isinstance(value, (fragments.FragmentCache, dict, list))]


def test_fragment_cache_is_an_lru_that_checks_its_owners():
    owner, lookalike = object(), object()
    cache = fragments.FragmentCache(max_chars=10)
    cache.put(("a",), (owner,), Markup("aaaa"))
    cache.put(("b",), (owner,), Markup("bbbb"))
    assert cache.get(("a",), (lookalike,)) is None  # same key, another object: a miss
    assert cache.get(("a",), (owner,)) == "aaaa"  # a is now the most recently used
    cache.put(("c",), (owner,), Markup("cccc"))  # 12 characters: b, the oldest, goes
    assert cache.get(("b",), (owner,)) is None and len(cache) == 2 and cache.chars == 8
    cache.put(("d",), (owner,), Markup("d" * 11))  # larger than the whole cache: not kept
    assert cache.get(("d",), (owner,)) is None and cache.chars == 8


def test_fragment_cache_stays_consistent_across_threads():
    import threading

    cache = fragments.FragmentCache(max_chars=500)
    owner = object()

    def work(number):
        for i in range(300):
            cache.put((number, i % 40), (owner,), Markup("x" * (i % 17 + 1)))
            cache.get((number, (i * 7) % 40), (owner,))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.chars == sum(len(html) for _, html in cache._entries.values()) <= 500
