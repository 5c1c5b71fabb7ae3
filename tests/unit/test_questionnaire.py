"""The questionnaire loader: one broken questionnaire per validation rule, message and YAML path."""

from __future__ import annotations

import copy
import subprocess
import sys
import textwrap

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.questionnaire import QuestionnaireError, load, loads
from tests.kit.apps import DATA, PROJECT_ROOT, QUESTIONS

REAL = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))


def problems_after(mutate) -> list[str]:
    """The problems of questions.yaml after ``mutate(data)`` (copy, mutate, dump, load)."""
    data = copy.deepcopy(REAL)
    mutate(data)
    with pytest.raises(QuestionnaireError) as error:
        loads(dump(data))
    return error.value.problems


def dump(data) -> str:
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False,
                     allow_unicode=True)


def question(data, step_id, question_id):
    step = next(s for s in data["steps"] if s["id"] == step_id)
    return next(q for q in step["questions"] if q["id"] == question_id)


def add_cycle(data):
    about = data["steps"][0]["questions"]
    about.append({"id": "guardian", "kind": "single", "choices": "yes_no", "text": "Guardian?",
                  "enable_when": {"question": "age_18_plus", "operator": "=", "answer": "no"}})
    about[0]["enable_when"] = {"question": "guardian", "operator": "=", "answer": "yes"}


BROKEN = [
    # unknown keys
    ("top-level key", lambda d: d.update(colour="blue"), "colour: unknown key"),
    ("question key", lambda d: d["steps"][0]["questions"][0].update(colour="blue"),
     "steps[0].questions[0].colour: unknown key"),
    ("condition key", lambda d: d["rules"][0]["when"].update(value=1),
     "rules[0].when.value: unknown key"),
    # unknown question kinds
    ("question kind", lambda d: d["steps"][0]["questions"][0].update(kind="slider"),
     'steps[0].questions[0].kind: unknown question kind "slider" (known: single, multi, scale)'),
    # duplicate ids
    ("duplicate step", lambda d: d["steps"][1].update(id="about"),
     'steps[1].id: duplicate id "about"'),
    ("duplicate question", lambda d: d["steps"][1]["questions"][2].update(id="diagnoses"),
     'steps[1].questions[2].id: duplicate id "diagnoses"'),
    ("duplicate question across steps", lambda d: d["steps"][2]["questions"].append(
        dict(d["steps"][0]["questions"][0])), 'steps[2].questions[10].id: duplicate id "age_18_plus"'),
    ("duplicate choice", lambda d: d["steps"][1]["questions"][0]["choices"][1].update(
        value="depression"), 'steps[1].questions[0].choices[1].value: duplicate value "depression"'),
    ("duplicate score", lambda d: d["scores"].append(dict(d["scores"][0])),
     'scores[4].id: duplicate id "phq9"'),
    ("duplicate rule", lambda d: d["rules"][1].update(id="suicide_intent_or_plan"),
     'rules[1].id: duplicate id "suicide_intent_or_plan"'),
    ("duplicate outcome", lambda d: d["outcomes"].append(dict(d["outcomes"][0])),
     'outcomes[5].id: duplicate id "crisis"'),
    # conditions naming unknown questions or scores
    ("unknown question", lambda d: d["rules"][2]["when"].update(question="phq9_10"),
     'rules[2].when.question: unknown question "phq9_10"'),
    ("unknown score", lambda d: d["rules"][16]["when"].update(score="phq10"),
     'rules[16].when.score: unknown score "phq10"'),
    ("unknown score in skip logic", lambda d: d["steps"][3].update(
        enable_when={"score": "phq10", "operator": ">=", "answer": 1}),
     'steps[3].enable_when.score: unknown score "phq10"'),
    # a condition on a question that comes later than the one it controls
    ("later question", lambda d: d["steps"][6]["enable_when"].update(
        question="vascular_condition"),
     'steps[6].enable_when.question: question "vascular_condition" comes later than what this '
     "condition controls (a condition may only look back)"),
    ("later score", lambda d: d["steps"][3].update(
        enable_when={"score": "gad7", "operator": ">=", "answer": 1}),
     'steps[3].enable_when.score: score "gad7" uses question "gad7_1": question "gad7_1" comes '
     "later than what this condition controls (a condition may only look back)"),
    # cycles
    ("self-reference", lambda d: question(d, "phq9", "phq9_difficulty").update(
        enable_when={"question": "phq9_difficulty", "operator": "exists"}),
     'steps[2].questions[9].enable_when.question: "phq9_difficulty" is controlled by this '
     "condition (a cycle)"),
    ("step on its own question", lambda d: d["steps"][7]["enable_when"].update(
        question="cage_cut_down", answer="yes"),
     'steps[7].enable_when.question: "cage_cut_down" is controlled by this condition (a cycle)'),
    ("score on its own item", lambda d: question(d, "phq9", "phq9_1").update(
        enable_when={"score": "phq9", "operator": ">=", "answer": 1}),
     'steps[2].questions[0].enable_when.score: score "phq9" uses question "phq9_1": "phq9_1" is '
     "controlled by this condition (a cycle)"),
    ("two-question cycle", add_cycle,
     'steps[0].questions[0].enable_when.question: cycle: "age_18_plus" → "guardian" → '
     '"age_18_plus"'),
    # answer values that are not valid choices
    ("answer not a choice", lambda d: d["rules"][4]["when"].update(answer="maybe"),
     'rules[4].when.answer: "maybe" is not a valid answer to "age_18_plus"'),
    ("answer of the wrong type", lambda d: d["rules"][24]["when"]["any"][0].update(answer=2),
     'rules[24].when.any[0].answer: "2" is not a valid answer to "antidepressants_tried" '
     '(write it as "2")'),
    ("scale answer out of range", lambda d: d["rules"][18]["when"]["all"][0].update(
        question="peg_1", answer=11),
     'rules[18].when.all[0].answer: "11" is not a valid answer to "peg_1"'),
    ("ordering on choices", lambda d: d["rules"][4]["when"].update(operator=">"),
     'rules[4].when.operator: ">" needs a question with number answers; "age_18_plus" has '
     "choices"),
    ("condition without answer", lambda d: d["rules"][2]["when"].pop("answer"),
     "rules[2].when.answer: missing required key"),
    ("unknown operator", lambda d: d["rules"][2]["when"].update(operator="~"),
     'rules[2].when.operator: unknown operator "~" (known: exists, =, !=, >, <, >=, <=)'),
    # not: one condition, nothing beside it
    ("not beside another key", lambda d: d["rules"][1]["when"]["all"][1].update(answer="no"),
     "rules[1].when.all[1].answer: unknown key"),
    ("not of nothing", lambda d: d["rules"][1]["when"]["all"][1].update({"not": None}),
     "rules[1].when.all[1].not: expected a condition"),
    ("not in skip logic", lambda d: d["steps"][6].update(enable_when={"not": {
        "question": "chronic_pain", "operator": "=", "answer": "no"}}),
     "steps[6].enable_when.not: not: is for rules and crisis pages, not skip logic"),
    ("not of an unknown question", lambda d: d["rules"][1]["when"]["all"][1]["not"].update(
        question="suicide_attempt_later"),
     'rules[1].when.all[1].not.question: unknown question "suicide_attempt_later"'),
    # score items that do not exist
    ("unknown score item", lambda d: d["scores"][0]["items"].__setitem__(0, "phq9_0"),
     'scores[0].items[0]: unknown question "phq9_0"'),
    ("count answer not a choice", lambda d: d["scores"][3].update(count_answer="maybe"),
     'scores[3].count_answer: "maybe" is not a valid answer to "cage_cut_down"'),
    # rules with unknown outcomes (or flags)
    ("unknown outcome", lambda d: d["rules"][0].update(outcome="panic"),
     'rules[0].outcome: unknown outcome "panic"'),
    ("unknown flag", lambda d: d["rules"][0].update(flag="red"), 'rules[0].flag: unknown flag "red"'),
    # 1.1.0 keys
    ("urgency zero", lambda d: d["flags"][0].update(urgency=0),
     "flags[0].urgency: expected a whole number of at least 1"),
    ("added_in not a version", lambda d: question(d, "health", "medications").update(
        added_in="later"), 'steps[8].questions[9].added_in: expected a version like "1.1.0"'),
    ("empty patient label", lambda d: d["scores"][3]["bands"][0].update(patient_label=" "),
     "scores[3].bands[0].patient_label: expected non-empty text"),
    # missing default outcome
    ("no default outcome", lambda d: d.pop("default_outcome"),
     "default_outcome: missing required key"),
    ("unknown default outcome", lambda d: d.update(default_outcome="eligible"),
     'default_outcome: unknown outcome "eligible"'),
    # missing consultation text or crisis resources
    ("no consultation text", lambda d: d["texts"].pop("consultation"),
     "texts.consultation: missing required text"),
    ("blank consultation text", lambda d: d["texts"].update(consultation="  "),
     "texts.consultation: expected non-empty text"),
    ("no crisis resources", lambda d: d.pop("crisis_resources"),
     "crisis_resources: missing required key"),
    ("empty crisis resources", lambda d: d["crisis_resources"].update(items=[]),
     "crisis_resources.items: at least one crisis resource is required"),
    ("script in a crisis link", lambda d: d["crisis_resources"]["items"][0]["links"][0].update(
        href="javascript:alert(1)"), "crisis_resources.items[0].links[0].href: expected a link "
     "starting with tel:, sms:, mailto:, https://, http://"),
    ("script in a 1.0.0 crisis href", lambda d: d["crisis_resources"]["items"].__setitem__(
        0, {"text": "Call", "href": "javascript:alert(1)"}), "crisis_resources.items[0].href: "
     "expected a link starting with tel:, sms:, mailto:, https://, http://"),
    ("href and links both", lambda d: d["crisis_resources"]["items"][0].update(href="tel:911"),
     "crisis_resources.items[0].href: give either href or links, not both"),
    ("unknown changed flag", lambda d: d["safety_answers"].update(changed_flag="oops"),
     'safety_answers.changed_flag: unknown flag "oops"'),
    ("safety answer on a score", lambda d: d["safety_answers"]["when"].append(
        {"score": "phq9", "operator": ">=", "answer": 1}),
     "safety_answers.when[8]: expected {question: ID, operator: OP, answer: VALUE}"),
    ("safety answer not a valid value", lambda d: d["safety_answers"]["when"].append(
        {"question": "cssrs_plan", "operator": "=", "answer": "maybe"}),
     'safety_answers.when[8].answer: "maybe" is not a valid answer to "cssrs_plan"'),
    ("high risk on an unknown question", lambda d: d["safety_answers"]["high_risk"][0].update(
        question="self_harm_plan"),
     'safety_answers.high_risk[0].question: unknown question "self_harm_plan"'),
    # 1.2.0 keys: every id named exists
    ("unknown at-risk flag", lambda d: d["at_risk"]["flags"].append("past_attempt"),
     'at_risk.flags[4]: unknown flag "past_attempt"'),
    ("unknown hidden rule", lambda d: d["at_risk"].update(hidden_rules=["mild_concern"]),
     'at_risk.hidden_rules[0]: unknown rule "mild_concern"'),
    ("unknown crisis outcome", lambda d: d["at_risk"].update(crisis_outcome="emergency"),
     'at_risk.crisis_outcome: unknown outcome "emergency"'),
    ("at risk without flags", lambda d: d["at_risk"].update(flags=[]),
     "at_risk.flags: expected a non-empty list of flag ids"),
    ("unknown helpline rule", lambda d: d["helplines"][0]["rules"].append("drug_use_past_year"),
     'helplines[0].rules[3]: unknown rule "drug_use_past_year"'),
    ("script in a helpline link", lambda d: d["helplines"][0]["links"][0].update(
        href="javascript:x"), "helplines[0].links[0].href: expected a link starting with tel:, "
     "sms:, mailto:, https://, http://"),
    ("language not a tag", lambda d: d["crisis_resources"]["items"][4].update(lang="Spanish"),
     'crisis_resources.items[4].lang: expected a language tag such as "es", got "Spanish"'),
    ("urgent_up_to zero", lambda d: d.update(urgent_up_to=0),
     "urgent_up_to: expected a whole number of at least 1"),
    ("offer_send not true or false", lambda d: d["outcomes"][1].update(offer_send="no"),
     "outcomes[1].offer_send: expected true or false"),
    ("blocks_sending not true or false", lambda d: d["rules"][4].update(blocks_sending="yes"),
     "rules[4].blocks_sending: expected true or false"),
    # the scale itself
    ("scale too wide", lambda d: question(d, "pain_severity", "peg_1").update(max=10**9),
     "steps[6].questions[0]: min must be less than max, by at most 100"),
]


@pytest.mark.parametrize("mutate, problem", [
    pytest.param(mutate, problem, id=name) for name, mutate, problem in BROKEN
])
def test_broken_questionnaire(mutate, problem):
    assert problems_after(mutate) == [problem]


@pytest.mark.parametrize("name, problems", [
    ("duplicate_choice_value.yaml", ['steps[3].questions[2].choices[1].value: duplicate value "yes"']),
    ("condition_order.yaml", [
        'steps[0].enable_when.question: question "pain" comes later than what this condition '
        "controls (a condition may only look back)",
        'steps[0].questions[0].enable_when.question: cycle: "mood" → "sleep" → "mood"',
        'steps[0].questions[2].enable_when.question: "worry" is controlled by this condition '
        "(a cycle)",
    ]),
    ("missing_safety_content.yaml", [
        "default_outcome: missing required key",
        "crisis_resources: missing required key",
        "texts.consultation: missing required text",
    ]),
])
def test_broken_fixture_file(name, problems):
    with pytest.raises(QuestionnaireError) as error:
        load(DATA / name)
    assert error.value.problems == problems
    assert str(error.value).startswith(f"{DATA / name}: {len(problems)} problem(s):\n")


def test_every_problem_reported_at_once():
    with pytest.raises(QuestionnaireError) as error:
        load(DATA / "many_problems.yaml")
    assert error.value.problems == [
        "colour: unknown key",
        'steps[0].questions[0].kind: unknown question kind "slider" (known: single, multi, scale)',
        'steps[0].questions[2].id: duplicate id "mood"',
        'scores[0].items[0]: "mood" has answers that are not numbers',
        'scores[0].items[1]: unknown question "energy"',
        'default_outcome: unknown outcome "maybe"',
        'rules[0].when.answer: "sometimes" is not a valid answer to "mood"',
        'rules[1].when.score: unknown score "totl"',
        'rules[2].outcome: unknown outcome "panic"',
        "crisis_resources.items: at least one crisis resource is required",
        "texts.consultation: missing required text",
    ]


def test_every_problem_of_several_mutations_reported():
    chosen = {"top-level key", "question kind", "later question", "unknown outcome",
              "no consultation text", "no crisis resources"}
    cases = [(mutate, problem) for name, mutate, problem in BROKEN if name in chosen]

    def several(data):
        for mutate, _ in cases:
            mutate(data)

    assert sorted(problems_after(several)) == sorted(problem for _, problem in cases)


@pytest.mark.parametrize("text, problem", [
    ("", "top level: expected a mapping, got nothing"),
    ("- a\n- b\n", "top level: expected a mapping, got a list"),
    ("id: x\nid: y\n", 'line 2, column 1: not valid YAML: duplicate key "id"'),
    ("id: [x\n", "line 2, column 1: not valid YAML: did not find expected ',' or ']'"),
])
def test_not_a_questionnaire(text, problem):
    with pytest.raises(QuestionnaireError) as error:
        loads(text)
    assert error.value.problems[0] == problem


def test_duplicate_key_in_a_question_is_refused():
    text = QUESTIONS.read_text(encoding="utf-8").replace(
        "kind: multi\n", "kind: multi\n        kind: single\n", 1)
    with pytest.raises(QuestionnaireError, match='duplicate key "kind"'):
        loads(text)


def test_unreadable_file(tmp_path):
    with pytest.raises(QuestionnaireError) as error:
        load(tmp_path / "missing.yaml")
    assert error.value.problems == ["cannot read file: No such file or directory"]


def test_minimal_questionnaire_loads():
    loaded = load(DATA / "minimal.yaml")
    assert loaded.summary() == "questionnaire minimal 0.1: 1 steps, 1 questions, 0 scores, 1 rules"


PATHS = []


def _paths(node, prefix=()):
    PATHS.append(prefix)
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()
    for key, child in children:
        _paths(child, (*prefix, key))


_paths(REAL)
JUNK = st.sampled_from([None, True, 0, -1, 2.5, "", "x", "yes", [], {}, [1], {"a": 1}, ["x"],
                        {"question": "x"}, "phq9_1", 10**30, {"all": []}, {"any": [1]}])


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PATHS[1:]), JUNK), min_size=1, max_size=3))
def test_any_damage_is_reported_not_raised(damage):
    data = copy.deepcopy(REAL)
    for path, value in damage:
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        loads(dump(data))
    except QuestionnaireError as error:
        assert error.problems and all(isinstance(p, str) for p in error.problems)


# --- the real questions.yaml --------------------------------------------------------------------

def test_real_questionnaire_summary(questionnaire):
    assert questionnaire.summary() == (
        "questionnaire ketamine-screening 1.2.0: 9 steps, 55 questions, 4 scores, 38 rules")


@pytest.mark.parametrize("version, summary", [
    ("1.0.0", "9 steps, 40 questions, 4 scores, 19 rules"),
    ("1.1.0", "9 steps, 49 questions, 4 scores, 31 rules"),
])
def test_older_versions_still_load_with_the_new_keys_at_their_defaults(version, summary):
    old = load(DATA / f"questions-{version}.yaml")
    assert old.summary() == f"questionnaire ketamine-screening {version}: {summary}"
    assert (old.urgent_up_to, old.at_risk, old.helplines) == (2, None, ())
    assert all(o.offer_send and not o.offer_booking for o in old.outcomes)
    assert not any(r.blocks_sending for r in old.rules)
    assert all(r.lang is None for r in old.crisis_resources)
    assert old.safety_answers is None or old.safety_answers.high_risk == ()


def test_core_imports_neither_flask_nor_sqlalchemy():
    # Import the two core modules without running screener/__init__.py (which builds the app).
    code = textwrap.dedent(f"""
        import sys, types
        package = types.ModuleType("screener")
        package.__path__ = [{str(PROJECT_ROOT / "screener")!r}]
        sys.modules["screener"] = package
        import screener.core.questionnaire, screener.core.rules
        q = screener.core.questionnaire.load({str(QUESTIONS)!r})
        screener.core.rules.evaluate(q, {{}})
        print(sorted({{m.split(".")[0] for m in sys.modules}} & {{"flask", "sqlalchemy",
              "flask_sqlalchemy", "werkzeug"}}))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_a_flag_without_urgency_is_shown_but_not_urgent():
    data = copy.deepcopy(REAL)
    data["flags"].append({"id": "note_flag", "label": "Worth a look"})
    loaded = loads(dump(data))
    flag = loaded.flags_by_id["note_flag"]
    assert (flag.urgency, flag.urgent) == (None, False)
    assert loaded.is_urgent_flag("urgent_now") and not loaded.is_urgent_flag("note_flag")
    assert loaded.is_urgent_flag("unknown_flag")  # a flag a newer text had: kept urgent


def _stems(data, stems):
    next(s for s in data["steps"] if s["id"] == "substance")["stems"] = stems


@pytest.mark.parametrize("stems, problem", [
    ([{"text": "In the past 12 months…", "questions": ["phq9_1"]}],
     "steps[7].stems[0].questions: not questions of this step: ['phq9_1']"),
    ([{"text": "In the past 12 months…", "questions": ["taps_alcohol", "sud_history"]}],
     "steps[7].stems[0].questions: expected a run of the step's questions, in order, in one stem"),
    ([{"text": "A", "questions": ["taps_alcohol"]}, {"text": "B", "questions": ["taps_alcohol"]}],
     "steps[7].stems[1].questions: expected a run of the step's questions, in order, in one stem"),
    ([{"text": "A"}], "steps[7].stems[0].questions: missing required key"),
])
def test_a_stem_must_cover_a_run_of_its_own_steps_questions(stems, problem):
    """A time frame pinned over the wrong questions would mislead the patient: refused."""
    assert problems_after(lambda d: _stems(d, stems)) == [problem]


def test_the_substance_step_pins_lifetime_over_cage_aid_and_past_year_over_taps(questionnaire):
    step = questionnaire.steps_by_id["substance"]
    assert step.stems == (
        ("In your lifetime…", ("cage_cut_down", "cage_annoyed", "cage_guilty", "cage_eye_opener")),
        ("In the past 12 months…", ("taps_alcohol", "taps_drugs", "drugs_cannabis_only",
                                    "taps_rx_misuse")))
