"""Step forms built from the questionnaire, and the contact form (no app needed)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from werkzeug.datastructures import MultiDict

from screener.patient import forms
from screener.core.questionnaire import QUESTION_KINDS, Question, load
from tests.kit.apps import QUESTIONS


def form_for(questionnaire, step_id, formdata=None, answers=None):
    step = questionnaire.steps_by_id[step_id]
    data = MultiDict(formdata) if formdata is not None else None
    return forms.step_form(questionnaire, step, list(step.questions), data, answers)


def test_registry_covers_every_question_kind():
    assert set(forms.FIELD_KINDS) == set(QUESTION_KINDS)


def test_unknown_kind_fails_loudly(questionnaire):
    odd = replace(questionnaire.questions["age_18_plus"], kind="slider")
    with pytest.raises(LookupError, match='no form field for kind "slider"'):
        forms.field_for(odd)


def test_every_step_builds(questionnaire):
    forms.check_forms(questionnaire)


def test_field_names_are_question_ids_in_order(questionnaire):
    form = form_for(questionnaire, "phq9")
    assert [f.name for f in form] == [q.id for q in questionnaire.steps_by_id["phq9"].questions]


def test_question_id_clashing_with_the_form_api_is_refused(questionnaire):
    step = questionnaire.steps_by_id["about"]
    clash = replace(step.questions[0], id="validate")
    with pytest.raises(LookupError, match="cannot be a form field name"):
        forms.step_form(questionnaire, replace(step, id="clash"), [clash])


@pytest.mark.parametrize("step_id, posted, expected", [
    ("phq9", [("phq9_1", "2")], {"phq9_1": 2}),
    ("diagnosis", [("antidepressants_tried", "0")], {"antidepressants_tried": "0"}),
    ("diagnosis", [("diagnoses", "ptsd"), ("diagnoses", "anxiety")],
     {"diagnoses": ["ptsd", "anxiety"]}),
    ("pain_severity", [("peg_2", "10")], {"peg_2": 10}),
    ("about", [("age_18_plus", "yes")], {"age_18_plus": "yes"}),
])
def test_values_come_back_in_the_questionnaire_types(questionnaire, step_id, posted, expected):
    form = form_for(questionnaire, step_id, posted)
    assert form.answers() == expected
    for name, value in expected.items():
        kinds = {type(v) for v in (value if isinstance(value, list) else [value])}
        assert kinds == {type(questionnaire.questions[name].allowed_values()[0])}


def test_stored_answers_are_shown_checked(questionnaire):
    form = form_for(questionnaire, "diagnosis", answers={"diagnoses": ["ptsd"],
                                                         "antidepressants_tried": "2"})
    checked = {(f.name, o._value()) for f in form for o in f if o.checked}
    assert checked == {("diagnoses", "ptsd"), ("antidepressants_tried", "2")}


def test_required_questions_must_be_answered(questionnaire):
    form = form_for(questionnaire, "phq9", [(f"phq9_{i}", "0") for i in range(1, 9)])
    assert not form.validate()
    assert form.errors == {"phq9_9": ["Choose an answer to this question."]}


def test_optional_question_may_be_blank(questionnaire):
    form = form_for(questionnaire, "phq9", [(f"phq9_{i}", "0") for i in range(1, 10)])
    assert form.validate(), form.errors
    assert "phq9_difficulty" not in form.answers()


def test_valid_answers_keeps_only_good_values(questionnaire):
    form = form_for(questionnaire, "diagnosis", [
        ("diagnoses", "depression"), ("antidepressants_tried", "7"), ("current_care", "yes"),
        ("current_care", "no")])
    assert form.valid_answers() == {"diagnoses": ["depression"]}


def test_unexpected_names(questionnaire):
    form = form_for(questionnaire, "about", [("age_18_plus", "yes")])
    posted = MultiDict([("age_18_plus", "yes"), ("csrf_token", "x"), ("action", "continue"),
                        ("phq9_1", "0")])
    assert form.unexpected(posted) == ["phq9_1"]


def test_scale_choices_and_layout(questionnaire):
    field = form_for(questionnaire, "pain_severity")["peg_1"]
    assert [o._value() for o in field] == [str(n) for n in range(11)]
    assert field.layout == "scale" and field.input_type == "radio"
    assert isinstance(field.question, Question)


# --- contact form --------------------------------------------------------------------------

TEXTS = load(QUESTIONS).texts
GOOD = {"name": "Alex", "email": "alex@example.com", "phone": "", "contact_method": "",
        "contact_time": "", "message": "", "consent": "y"}


def contact(**changes):
    data = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    form = forms.ContactForm(MultiDict(data), texts=TEXTS)
    return form, form.validate()


def test_contact_form_accepts_email_only():
    form, valid = contact()
    assert valid, form.errors
    assert form.contact_details() == {
        "contact_name": "Alex", "contact_email": "alex@example.com", "contact_phone": None,
        "contact_method": "email", "contact_time": None, "contact_message": None}


def test_contact_form_accepts_phone_only_and_trims():
    form, valid = contact(email="", phone="  +44 20 7946 0958 ", contact_method="text")
    assert valid, form.errors
    assert form.contact_details()["contact_phone"] == "+44 20 7946 0958"
    assert form.contact_details()["contact_method"] == "text"


@pytest.mark.parametrize("changes, field", [
    ({"email": "", "phone": ""}, "email"),
    ({"email": "a@b"}, "email"),
    ({"phone": "12"}, "phone"),
    ({"phone": "555-CALL-NOW"}, "phone"),
    ({"consent": None}, "consent"),
    ({"consent": "yes"}, "consent"),
    ({"contact_method": "phone"}, "contact_method"),
    ({"name": ""}, "name"),
    ({"contact_time": "x" * 201}, "contact_time"),
])
def test_contact_form_refuses(changes, field):
    form, valid = contact(**changes)
    assert not valid
    assert field in form.errors


def test_the_consent_words_come_from_questions_yaml():
    form, _ = contact()
    assert form.consent.label.text == TEXTS["consent"]
    refused, _ = contact(consent=None)
    assert refused.errors["consent"] == [TEXTS["consent_missing"]]


def test_a_questionnaire_without_the_send_texts_stops_the_app(questionnaire):
    from screener.core.questionnaire import QuestionnaireError

    texts = {k: v for k, v in questionnaire.texts.items() if k != "consent"}
    with pytest.raises(QuestionnaireError, match="texts.consent: missing"):
        forms.check_forms(replace(questionnaire, texts=texts))
