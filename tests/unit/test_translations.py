"""Spanish for patients (issue 27): questions.es.yaml beside questions.yaml.

The loader refuses a questionnaire whose Spanish file misses a patient-facing text or names an
unknown id, every problem with its YAML path; the Spanish view has the same ids, values,
conditions and rules, so the same answers give the same outcomes, flags and urgency in both
languages; old versions still load (without Spanish)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given

from screener.core import presentation, rules, safety
from screener.core.questionnaire import QuestionnaireError, load, loads, read_source
from screener.core.questionnaire.translations import expected_paths, sibling_path
from tests.unit.test_rules_properties import JUNK, PROPERTY, QUESTIONNAIRE, answer_sets
from tests.unit.test_worked_examples import EXAMPLES, records

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "questions.yaml"
SPANISH = ROOT / "questions.es.yaml"
# Every questionnaire text stored or shipped for an older version: each must keep loading.
SNAPSHOTS = sorted([*(ROOT / "tests" / "data").glob("questions-*.yaml"),
                    ROOT / "tests" / "data" / "minimal.yaml",
                    *(ROOT / "screener" / "data").glob("questionnaire-*.yaml")])
# Validated (found verbatim, docs/clinical.md): the PHQ-9's US Spanish form. Every other
# instrument item is marked unvalidated.
VALIDATED_INSTRUMENTS = {"PHQ-9"}


@pytest.fixture(scope="module")
def spanish(questionnaire):
    return questionnaire.localized("es")


def load_with_spanish(tmp_path: Path, spanish_text: str, english_text: str | None = None):
    """Load a copy of questions.yaml with ``spanish_text`` as its Spanish file."""
    english = tmp_path / "questions.yaml"
    english.write_text(english_text or read_source(QUESTIONS), encoding="utf-8")
    (tmp_path / "questions.es.yaml").write_text(spanish_text, encoding="utf-8")
    return load(english)


def problems_of(tmp_path: Path, spanish_text: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as error:
        load_with_spanish(tmp_path, spanish_text)
    return error.value.problems


def without_line(text: str, line_start: str) -> str:
    """``text`` with the one line starting with ``line_start`` (after indentation) removed."""
    lines = text.splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if line.strip().startswith(line_start)]
    assert len(hits) == 1, hits
    del lines[hits[0]]
    return "".join(lines)


# --- loading ----------------------------------------------------------------------------------

def test_the_current_questionnaire_loads_with_spanish(questionnaire, spanish):
    assert questionnaire.languages == ("en", "es")
    assert questionnaire.language == "en" and spanish.language == "es"
    assert set(questionnaire.translations) == {"es"}
    # Built once at load: asking again returns the same objects, no parsing per request.
    assert questionnaire.localized("es") is spanish
    assert spanish.localized("en") is questionnaire
    assert spanish.localized("es") is spanish
    # A language without a translation falls back to English.
    assert questionnaire.localized("fr") is questionnaire


def test_every_patient_text_has_spanish(questionnaire):
    """Every path the English needs is in the Spanish file (the loader's own check, read back)."""
    english = yaml.safe_load(read_source(QUESTIONS))
    texts = questionnaire.translations["es"].texts
    needed = list(expected_paths(english))
    assert len(needed) >= 230
    assert [path for path in needed if path not in texts] == []


def test_a_missing_spanish_text_is_refused_by_its_path(tmp_path):
    text = read_source(SPANISH)
    text = without_line(text, "consent_missing:")
    text = text.replace("  cssrs_method:\n    translation: unvalidated\n    text: ¿Ha pensado en "
                        "cómo podría hacerlo?\n", "  cssrs_method:\n    translation: unvalidated\n")
    problems = problems_of(tmp_path, text)
    assert '[es] texts.consent_missing: missing the "es" text' in problems
    assert '[es] questions.cssrs_method.text: missing the "es" text' in problems


@pytest.mark.parametrize("question_id", ["phq9_9", "cssrs_plan", "suicide_attempt_recent"])
def test_a_safety_question_cannot_lose_its_spanish(tmp_path, question_id):
    """A self-harm question with no Spanish words would be a blank item on a Spanish page: the
    questionnaire does not load."""
    text = read_source(SPANISH)
    start = text.index(f"\n  {question_id}:\n")
    end = text.index("\n  ", start + 3 + len(question_id))
    while text[end + 3] == " ":  # skip the question's own lines (deeper indentation)
        end = text.index("\n  ", end + 1)
    problems = problems_of(tmp_path, text[:start] + text[end:])
    assert f'[es] questions.{question_id}.text: missing the "es" text' in problems


def test_unknown_ids_are_refused(tmp_path):
    text = read_source(SPANISH).replace(
        "questions:\n", "questions:\n  no_such_question:\n    text: ¿Qué?\n", 1).replace(
        "rules:\n", "rules:\n  no_such_rule: Nada.\n", 1).replace(
        "texts:\n", "texts:\n  no_such_text: Nada.\n", 1)
    problems = problems_of(tmp_path, text)
    unknown = "unknown key: the English questionnaire has no such text or id"
    for path in ("questions.no_such_question.text", "rules.no_such_rule", "texts.no_such_text"):
        assert f"[es] {path}: {unknown}" in problems


def test_an_unquoted_yes_key_is_refused(tmp_path):
    """YAML reads an unquoted yes as true: the label would silently not match the value."""
    text = read_source(SPANISH).replace('{"yes": "Sí", "no": "No"}', '{yes: "Sí", "no": "No"}', 1)
    problems = problems_of(tmp_path, text)
    assert '[es] choice_sets.yes_no.yes: missing the "es" text' in problems


def test_a_translation_of_another_version_is_refused(tmp_path):
    problems = problems_of(tmp_path, read_source(SPANISH).replace("translates: 1.2.0",
                                                                  "translates: 1.1.0"))
    assert any(p.startswith("[es] translates:") for p in problems)


def test_only_unvalidated_is_a_mark(tmp_path):
    text = read_source(SPANISH).replace("  gad7_1:\n    translation: unvalidated",
                                        "  gad7_1:\n    translation: validated", 1)
    assert any(p.startswith("[es] questions.gad7_1.translation:")
               for p in problems_of(tmp_path, text))


def test_a_listed_language_without_its_file_is_refused(tmp_path):
    english = tmp_path / "questions.yaml"
    shutil.copy(QUESTIONS, english)
    with pytest.raises(QuestionnaireError) as error:
        load(english)
    assert error.value.problems == ["[es] languages: no es file (questions.es.yaml)"]


def test_a_step_s_time_frames_need_spanish_too():
    """``stems`` (a time frame over part of a step) is a patient text like ``stem``."""
    step = {"id": "substance", "title": "T", "stems": [{"text": "In your lifetime…",
                                                         "questions": ["a"]}],
            "questions": [{"id": "a", "text": "Q"}]}
    english = {"steps": [step], "crisis_resources": {"items": []}}
    assert "steps.substance.stems[0]" in set(expected_paths(english))


def test_sibling_file_name():
    assert sibling_path("/x/questions.yaml", "es") == Path("/x/questions.es.yaml")


@pytest.mark.parametrize("path", SNAPSHOTS, ids=lambda p: p.name)
def test_every_stored_snapshot_still_loads(path):
    """Old versions have no Spanish and need none (strictness per version)."""
    q = load(path)
    assert q.languages == ("en",)
    assert q.localized("es") is q


def test_a_stored_text_of_the_current_version_loads_in_english():
    """versions.py stores the English text alone: loading it back needs no Spanish file."""
    q = loads(read_source(QUESTIONS), source="stored")
    assert q.languages == ("en",) and q.localized("es") is q


# --- same questionnaire, other words -----------------------------------------------------------

def test_same_ids_values_and_conditions(questionnaire, spanish):
    assert list(spanish.questions) == list(questionnaire.questions)
    assert [s.id for s in spanish.steps] == [s.id for s in questionnaire.steps]
    for qid, english in questionnaire.questions.items():
        es = spanish.questions[qid]
        assert [c.value for c in es.choices] == [c.value for c in english.choices], qid
        assert es.allowed_values() == english.allowed_values(), qid
        assert (es.kind, es.required, es.min, es.max, es.step_id) == (
            english.kind, english.required, english.min, english.max, english.step_id), qid
        assert es.enable_when is english.enable_when, qid
        assert [c.code for c in es.choices] == [c.code for c in english.choices], qid
    for step in questionnaire.steps:
        es = spanish.steps_by_id[step.id]
        assert es.enable_when is step.enable_when
        assert es.crisis_page_when is step.crisis_page_when
        assert es.show_crisis_resources == step.show_crisis_resources
    assert [(r.id, r.when, r.outcome, r.flag, r.blocks_sending) for r in spanish.rules] == [
        (r.id, r.when, r.outcome, r.flag, r.blocks_sending) for r in questionnaire.rules]
    assert spanish.flags == questionnaire.flags  # staff labels stay English
    assert spanish.safety_answers is questionnaire.safety_answers
    assert spanish.at_risk is questionnaire.at_risk
    assert [(o.id, o.show_crisis_resources, o.offer_send, o.offer_booking)
            for o in spanish.outcomes] == [
        (o.id, o.show_crisis_resources, o.offer_send, o.offer_booking)
        for o in questionnaire.outcomes]
    assert spanish.source_sha256 == questionnaire.source_sha256
    assert (spanish.id, spanish.version) == (questionnaire.id, questionnaire.version)


def test_staff_band_labels_stay_english(questionnaire, spanish):
    for score in questionnaire.scores:
        es = spanish.scores_by_id[score.id]
        assert [(b.id, b.label, b.min, b.max) for b in es.bands] == [
            (b.id, b.label, b.min, b.max) for b in score.bands]
    assert spanish.scores_by_id["phq9"].band_for(12).patient_text == "Moderada"


@pytest.mark.parametrize("answers, outcome, flags, rule_ids, urgency, given", EXAMPLES)
def test_worked_example_is_the_same_in_spanish(questionnaire, spanish, answers, outcome, flags,
                                               rule_ids, urgency, given):
    """The spec's worked examples: same outcome, flags, rules, urgency and safety answers."""
    assert rules.validate_answers(spanish, answers) == []
    english, es = rules.evaluate(questionnaire, answers), rules.evaluate(spanish, answers)
    assert es.to_dict() == english.to_dict()
    changed_flags = safety.changed_flags(spanish, records(given), answers)
    assert es.outcome == outcome and es.flags + changed_flags == flags
    assert safety.changed_urgency(spanish, records(given), answers) == safety.changed_urgency(
        questionnaire, records(given), answers)
    assert safety.changed_flags(spanish, records(given), answers) == safety.changed_flags(
        questionnaire, records(given), answers)
    changed = safety.changed_urgency(spanish, records(given), answers)
    view_en = presentation.patient_result(questionnaire, english, changed)
    view_es = presentation.patient_result(spanish, es, changed)
    assert (view_es.outcome.id, view_es.crisis_first, view_es.crisis_result, view_es.show_bands,
            view_es.can_send, view_es.offer_booking) == (
        view_en.outcome.id, view_en.crisis_first, view_en.crisis_result, view_en.show_bands,
        view_en.can_send, view_en.offer_booking)
    assert len(view_es.reasons) == len(view_en.reasons)


def test_a_taken_back_plan_reads_the_spanish_crisis_result(spanish):
    """Example 22 in Spanish: the crisis title, and no word of the hidden mild_concerns."""
    answers, given = EXAMPLES[-3].values[0], EXAMPLES[-3].values[5]
    assessment = rules.evaluate(spanish, answers)
    changed = safety.changed_urgency(spanish, records(given), answers)
    view = presentation.patient_result(spanish, assessment, changed)
    assert changed == 1 and view.crisis_result and view.crisis_first
    assert view.outcome.title == "Por favor, busque apoyo ahora"
    mild = next(r.reason for r in spanish.rules if r.id == "mild_concerns")
    assert mild not in view.reasons


# --- the words ---------------------------------------------------------------------------------

def test_instrument_items_are_validated_or_marked(spanish):
    """Each instrument item either comes from a verbatim source (PHQ-9) or says unvalidated, so
    staff can show the mark beside the answer. Non-instrument items carry no mark."""
    for question in spanish.questions.values():
        if question.instrument in VALIDATED_INSTRUMENTS:
            assert question.translation is None, question.id
        elif question.instrument:
            assert question.translation == "unvalidated", question.id
        else:
            assert question.translation is None, question.id


def test_the_publishers_wordings(spanish):
    """Word for word from the PHQ-9 "Spanish for the USA" form (docs/clinical.md)."""
    q = spanish.questions
    assert q["phq9_1"].text == "Poco interés o placer en hacer cosas"
    assert q["phq9_9"].text == (
        "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera")
    assert [c.label for c in q["phq9_9"].choices] == [
        "Ningún día", "Varios días", "Más de la mitad de los días", "Casi todos los días"]
    assert spanish.steps_by_id["phq9"].stem == (
        "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los "
        "siguientes problemas?")
    assert q["gad7_1"].text == "Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta"


def test_the_988_spanish_line_comes_right_after_911(questionnaire, spanish):
    hrefs = [[link.href for link in r.links] for r in spanish.crisis_resources]
    assert hrefs[0] == ["tel:911"]
    assert hrefs[1] == ["tel:988", "sms:988?&body=AYUDA"]
    assert len(spanish.crisis_resources) == len(questionnaire.crisis_resources)
    # The whole page is Spanish: no line needs its own lang attribute.
    assert all(r.lang is None for r in spanish.crisis_resources)
    # English pages keep their order, the Spanish line marked lang="es".
    assert [r.lang for r in questionnaire.crisis_resources].index("es") == 4


def test_a_bad_crisis_order_is_refused(tmp_path):
    text = read_source(SPANISH).replace("order: [0, 4, 1, 2, 3, 5]", "order: [0, 4, 1, 2, 3]")
    assert any(p.startswith("[es] crisis_resources.order:") for p in problems_of(tmp_path, text))


def test_no_spanish_text_says_you_told_us(questionnaire):
    """Nothing reaches the clinic unless the patient sends it: no "nos dijo" (or "nos contó")."""
    said = re.compile(r"\bnos (ha )?(dijo|dicho|contó|contado|informó)\b", re.IGNORECASE)
    found = [path for path, text in questionnaire.translations["es"].texts.items()
             if said.search(text)]
    assert found == []


# --- any answers, not only the worked examples --------------------------------------------------
SPANISH_VIEW = QUESTIONNAIRE.localized("es")


@PROPERTY
@given(answer_sets(complete=False))
def test_any_answers_evaluate_the_same_in_spanish(answers):
    """Whatever the answers (partial ones too): same outcome, flags, rules, scores, skip logic,
    and the same kind of result page."""
    english, es = rules.evaluate(QUESTIONNAIRE, answers), rules.evaluate(SPANISH_VIEW, answers)
    assert es.to_dict() == english.to_dict()
    steps_es, kept_es = rules.enabled_view(SPANISH_VIEW, answers)
    steps_en, kept_en = rules.enabled_view(QUESTIONNAIRE, answers)
    assert [s.id for s in steps_es] == [s.id for s in steps_en] and kept_es == kept_en
    view_en = presentation.patient_result(QUESTIONNAIRE, english)
    view_es = presentation.patient_result(SPANISH_VIEW, es)
    assert (view_es.outcome.id, view_es.crisis_first, view_es.crisis_result, view_es.show_bands,
            view_es.can_send, view_es.offer_booking, len(view_es.reasons)) == (
        view_en.outcome.id, view_en.crisis_first, view_en.crisis_result, view_en.show_bands,
        view_en.can_send, view_en.offer_booking, len(view_en.reasons))


@PROPERTY
@given(JUNK)
def test_any_posted_junk_is_judged_the_same_in_spanish(answers):
    """What a form could post: the same validation problems and the same safety answers kept."""
    assert rules.validate_answers(SPANISH_VIEW, answers) == rules.validate_answers(
        QUESTIONNAIRE, answers)
    assert safety.to_record(SPANISH_VIEW, answers) == safety.to_record(QUESTIONNAIRE, answers)
