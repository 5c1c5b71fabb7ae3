"""core.safety: which posted answers are recorded, when a recorded one no longer holds, and how
urgent a taken-back answer makes a submission (spec: "Self-harm answers that change")."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from screener.core import rules, safety
from screener.core.questionnaire import load, loads
from screener.core.safety import Recorded
from tests.kit.apps import QUESTIONS
from tests.helpers import baseline, baseline_1_1_0, phq9

Q = load(QUESTIONS)
Q_1_1_0 = load(Path(__file__).resolve().parents[1] / "data" / "questions-1.1.0.yaml")
T0 = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
CSSRS_YES = ("cssrs_wish_dead", "cssrs_thoughts", "cssrs_method", "cssrs_intent", "cssrs_plan",
             "suicide_attempt", "suicide_attempt_recent")
EX1 = phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def records(*pairs) -> list[Recorded]:
    """Records given one minute apart, in order."""
    return [Recorded(q, v, at(i)) for i, (q, v) in enumerate(pairs)]


def test_the_safety_answers_are_data_in_questions_yaml():
    conditions = {(c.ref, c.operator, c.answer) for c in Q.safety_answers.conditions}
    assert conditions == {("phq9_9", ">=", 1)} | {(q, "=", "yes") for q in CSSRS_YES}
    assert Q.safety_answers.changed_flag in Q.flags_by_id


@pytest.mark.parametrize("question_id", CSSRS_YES)
def test_every_yes_on_the_safety_step_is_recorded(question_id):
    assert safety.to_record(Q, {question_id: "yes"}) == [(question_id, "yes")]
    assert safety.to_record(Q, {question_id: "no"}) == []


def test_to_record_picks_only_answers_that_meet_a_condition():
    assert safety.to_record(Q, {"phq9_9": 2, "phq9_1": 3}) == [("phq9_9", 2)]
    assert safety.to_record(Q, {"phq9_9": 0}) == []
    assert safety.to_record(Q, {}) == []


def test_raw_posted_values_are_read_so_an_answer_is_never_missed():
    """A form posts text: "2" for item 9 is a safety answer all the same."""
    assert safety.to_record(Q, {"phq9_9": "2"}) == [("phq9_9", 2)]
    assert safety.to_record(Q, {"phq9_9": "9"}) == []  # not an answer the question takes


def test_a_follow_up_posted_while_its_parent_says_no_is_recorded():
    """A plan revealed by JavaScript, answered, then hidden by "no" to thoughts: still kept."""
    posted = {"cssrs_wish_dead": "no", "cssrs_thoughts": "no", "cssrs_plan": "yes",
              "suicide_attempt": "no", "suicide_attempt_recent": "yes"}
    assert safety.to_record(Q, posted) == [("cssrs_plan", "yes"), ("suicide_attempt_recent", "yes")]
    kept = records(*safety.to_record(Q, posted))
    assert safety.changed_urgency(Q, kept, baseline()) == 1


def test_a_new_safety_question_is_one_yaml_entry():
    """Another engineer's new question (here an existing one stands in) needs no code."""
    data = copy.deepcopy(yaml.safe_load(QUESTIONS.read_text(encoding="utf-8")))
    data["safety_answers"]["when"].append(
        {"question": "psych_hospital_recent", "operator": "=", "answer": "yes"})
    extended = loads(yaml.safe_dump(data, sort_keys=False))
    assert safety.to_record(extended, {"psych_hospital_recent": "yes"}) == [
        ("psych_hospital_recent", "yes")]
    kept = records(("psych_hospital_recent", "yes"))
    assert safety.changed_flags(extended, kept, baseline()) == ("self_harm_changed",)
    assert safety.changed_flags(extended, kept, baseline(psych_hospital_recent="yes")) == ()


def test_example_22_a_plan_taken_back_keeps_contact_today():
    """Worked example 22: item 9 = 1, thoughts and a plan, then item 9 -> 0 and thoughts -> no
    from the review page. Outcome of the final answers; flag urgency 1 (a plan was yes)."""
    given = records(("phq9_9", 1), ("cssrs_thoughts", "yes"), ("cssrs_plan", "yes"))
    final = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
    assert rules.evaluate(Q, final).outcome == "other_options_first"
    assert safety.changed_flags(Q, given, final) == ("self_harm_changed",)
    assert safety.changed_urgency(Q, given, final) == 1
    # A plan left in the stored answers but hidden by skip logic does not count as kept.
    assert safety.changed_urgency(Q, given, {**final, "cssrs_plan": "yes"}) == 1
    item9, thoughts, plan = safety.kept(Q, given, final)
    assert (item9.recorded.value, item9.final, item9.still_holds) == (1, 0, False)
    assert (thoughts.recorded.value, thoughts.final, thoughts.still_holds) == ("yes", "no", False)
    assert (plan.recorded.value, plan.recorded.recorded_at, plan.final) == ("yes", at(2), None)


@pytest.mark.parametrize("high", ["cssrs_intent", "cssrs_plan"])
def test_a_high_risk_answer_taken_back_is_urgency_1(high):
    given = records(("cssrs_thoughts", "yes"), (high, "yes"))
    assert safety.changed_urgency(Q, given, baseline(cssrs_thoughts="yes")) == 1


def test_a_recent_attempt_taken_back_is_urgency_1():
    given = records(("suicide_attempt", "yes"), ("suicide_attempt_recent", "yes"))
    final = baseline(suicide_attempt="yes", suicide_attempt_recent="no")
    assert safety.changed_urgency(Q, given, final) == 1


@pytest.mark.parametrize("question_id", ["cssrs_wish_dead", "cssrs_thoughts", "suicide_attempt"])
def test_a_lower_risk_answer_taken_back_is_urgency_2(question_id):
    given = records((question_id, "yes"))
    assert safety.changed_urgency(Q, given, baseline()) == 2


def test_a_method_taken_back_is_urgency_2():
    given = records(("cssrs_thoughts", "yes"), ("cssrs_method", "yes"))
    assert safety.changed_urgency(Q, given, baseline(cssrs_thoughts="yes")) == 2


def test_nothing_changed_means_no_changed_urgency():
    given = records(("phq9_9", 1), ("cssrs_thoughts", "yes"), ("cssrs_plan", "yes"))
    final = baseline(**EX1, cssrs_thoughts="yes", cssrs_plan="yes")
    assert safety.changed_urgency(Q, given, final) is None
    assert safety.changed_urgency(Q, [], baseline()) is None


def test_item_9_lower_than_the_highest_given_no_longer_holds():
    """1 then 3 then 2: the highest (3) is what the final answer must still hold."""
    given = records(("phq9_9", 1), ("phq9_9", 3))
    [item9] = safety.kept(Q, given, baseline(**phq9(0, 0, 0, 0, 0, 0, 0, 0, 2)))
    assert (item9.recorded.value, item9.highest.value, item9.final) == (1, 3, 2)
    assert not item9.still_holds
    assert safety.changed_urgency(Q, given, baseline(**phq9(0, 0, 0, 0, 0, 0, 0, 0, 2))) == 2
    [same] = safety.kept(Q, given, baseline(**phq9(0, 0, 0, 0, 0, 0, 0, 0, 3)))
    assert same.still_holds


def test_evaluate_is_unchanged_by_records():
    """The outcome stays a pure function of the final answers."""
    final = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
    assessment = rules.evaluate(Q, final)
    assert assessment.outcome == "other_options_first" and assessment.flags == ()


def test_a_questionnaire_without_safety_answers_records_nothing():
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    del data["safety_answers"]
    plain = loads(yaml.safe_dump(data, sort_keys=False))
    assert plain.safety_answers is None
    assert safety.to_record(plain, {"phq9_9": 3}) == []
    assert safety.changed_flags(plain, [Recorded("phq9_9", 3, at(0))], baseline()) == ()
    assert safety.changed_urgency(plain, [Recorded("phq9_9", 3, at(0))], baseline()) is None


# --- 1.1.0 submissions keep their own meaning -----------------------------------------------------

def test_1_1_0_a_plan_taken_back_is_urgency_1_without_a_high_risk_list():
    """1.1.0 has no ``high_risk``: self_harm_plan = yes alone makes an urgency-1 rule hold."""
    assert Q_1_1_0.safety_answers.high_risk == ()
    given = records(("phq9_9", 1), ("self_harm_plan", "yes"))
    final = baseline_1_1_0(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 0))
    assert safety.changed_urgency(Q_1_1_0, given, final) == 1


def test_1_1_0_a_recent_attempt_taken_back_is_urgency_1():
    given = records(("suicide_attempt_recent", "yes"))
    final = baseline_1_1_0(suicide_attempt="yes", suicide_attempt_recent="no")
    assert safety.changed_urgency(Q_1_1_0, given, final) == 1


def test_1_1_0_item_9_taken_back_is_urgency_2():
    given = records(("phq9_9", 2))
    assert safety.changed_urgency(Q_1_1_0, given, baseline_1_1_0()) == 2


def test_a_plan_recorded_under_1_1_0_keeps_contact_today_after_the_move_to_1_2_0():
    """A draft moved from 1.1.0 keeps its records: a plan answered yes there and not repeated
    under 1.2.0 stays urgency 1 (DECISIONS: self_harm_plan = yes is high risk)."""
    given = records(("phq9_9", 1), ("self_harm_plan", "yes"))
    final = baseline(**phq9(1, 1, 1, 1, 1, 1, 1, 1, 1))
    assert safety.changed_urgency(Q, given, final) == 1
    plan = next(k for k in safety.kept(Q, given, final) if k.recorded.question_id ==
                "self_harm_plan")
    assert (plan.final, plan.still_holds) == (None, False)
