"""core.safety: which saved answers are recorded, and when a recorded one no longer holds."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import yaml

from screener.core import rules, safety
from screener.core.questionnaire import load, loads
from screener.core.safety import Recorded
from tests.conftest import QUESTIONS
from tests.helpers import baseline, phq9

Q = load(QUESTIONS)
T0 = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_the_safety_answers_are_data_in_questions_yaml():
    conditions = {(c.ref, c.operator, c.answer) for c in Q.safety_answers.conditions}
    assert conditions == {("phq9_9", ">=", 1), ("self_harm_plan", "=", "yes"),
                          ("suicide_attempt_recent", "=", "yes")}
    assert Q.safety_answers.changed_flag in Q.flags_by_id


def test_to_record_picks_only_answers_that_meet_a_condition():
    assert safety.to_record(Q, {"phq9_9": 2, "phq9_1": 3}) == [("phq9_9", 2)]
    assert safety.to_record(Q, {"phq9_9": 0}) == []
    assert safety.to_record(Q, {"self_harm_plan": "yes"}) == [("self_harm_plan", "yes")]
    assert safety.to_record(Q, {"self_harm_plan": "no"}) == []
    assert safety.to_record(Q, {}) == []


def test_a_new_safety_question_is_one_yaml_entry():
    """Another engineer's new question (here an existing one stands in) needs no code."""
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["safety_answers"]["when"].append(
        {"question": "ketamine_nonmedical", "operator": "=", "answer": "yes"})
    extended = loads(yaml.safe_dump(data, sort_keys=False))
    assert safety.to_record(extended, {"ketamine_nonmedical": "yes"}) == [
        ("ketamine_nonmedical", "yes")]
    records = [Recorded("ketamine_nonmedical", "yes", at(0))]
    assert safety.changed_flags(extended, records, baseline()) == ("self_harm_changed",)
    assert safety.changed_flags(extended, records, baseline(ketamine_nonmedical="yes")) == ()


def test_changed_when_the_final_answers_no_longer_hold_it():
    records = [Recorded("phq9_9", 1, at(0)), Recorded("self_harm_plan", "yes", at(1))]
    example_11 = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
    assert safety.changed_flags(Q, records, example_11) == ("self_harm_changed",)
    # A plan answer left in the stored answers but skipped by skip logic does not count.
    assert safety.changed_flags(Q, records, dict(example_11, self_harm_plan="yes")) == (
        "self_harm_changed",)
    still = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 2), self_harm_plan="yes")
    assert safety.changed_flags(Q, records, still) == ()
    assert safety.changed_flags(Q, [], example_11) == ()


def test_evaluate_is_unchanged_by_records():
    """The outcome stays a pure function of the final answers."""
    example_11 = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
    assessment = rules.evaluate(Q, example_11)
    assert assessment.outcome == "other_options_first" and assessment.flags == ()


def test_kept_shows_first_given_and_what_it_became():
    records = [Recorded("phq9_9", 1, at(0)), Recorded("self_harm_plan", "yes", at(1)),
               Recorded("phq9_9", 3, at(2))]
    final = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
    item9, plan = safety.kept(Q, records, final)
    assert (item9.recorded.value, item9.recorded.recorded_at, item9.final) == (1, at(0), 0)
    assert not item9.still_holds
    assert (plan.recorded.value, plan.final, plan.still_holds) == ("yes", None, False)


def test_a_questionnaire_without_safety_answers_records_nothing():
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    del data["safety_answers"]
    plain = loads(yaml.safe_dump(data, sort_keys=False))
    assert plain.safety_answers is None
    assert safety.to_record(plain, {"phq9_9": 3}) == []
    assert safety.changed_flags(plain, [Recorded("phq9_9", 3, at(0))], baseline()) == ()
