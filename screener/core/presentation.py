"""What a patient reads of an assessment, and how urgent a submission is: pure, from the data.

Spec: "No reassurance for anyone at risk" and "Self-harm answers that change". Which flags take
reassurance away, which reasons they hide and which outcome is the crisis result are data
(``at_risk`` in questions.yaml). A questionnaire without ``at_risk`` (1.0.0, 1.1.0) reads as it
did then, so old submissions look the same. Staff always see the true assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from screener.core.questionnaire import Helpline, Outcome, Questionnaire
from screener.core.rules import Assessment


@dataclass(frozen=True)
class PatientResult:
    """The patient's view of one assessment."""

    outcome: Outcome  # the outcome whose title/explanation the patient reads
    reasons: tuple[str, ...]  # reasons the patient reads, in rule order
    crisis_first: bool  # crisis resources lead the page
    crisis_result: bool  # the page is the crisis result whatever the final outcome
    show_bands: bool  # score band words may be shown
    can_send: bool  # offer to send to the clinic
    offer_booking: bool  # offer a booking link
    helplines: tuple[Helpline, ...]


def patient_result(questionnaire: Questionnaire, assessment: Assessment,
                   changed_urgency: int | None = None) -> PatientResult:
    """The patient's view: ``changed_urgency`` is ``core.safety.changed_urgency`` (None when no
    safety answer was taken back)."""
    if questionnaire.at_risk is None:
        return _as_before(questionnaire, assessment, changed_urgency)
    at_risk = questionnaire.at_risk
    flags = set(assessment.flags)
    if changed_urgency is not None and questionnaire.safety_answers is not None:
        flags.add(questionnaire.safety_answers.changed_flag)
    risk = not flags.isdisjoint(at_risk.flags)
    crisis = at_risk.crisis_outcome
    crisis_result = crisis is not None and (assessment.outcome == crisis or changed_urgency == 1)
    true_outcome = questionnaire.outcomes_by_id[assessment.outcome]
    shown = questionnaire.outcomes_by_id[crisis] if crisis_result else true_outcome
    hidden = set(at_risk.hidden_rules) if risk or crisis_result else set()
    # A crisis result reads only crisis reasons and notes: a lower outcome's reason is not it.
    reasons = tuple(rule.reason for rule in assessment.rules if rule.id not in hidden and (
        not crisis_result or rule.outcome is None or rule.outcome == crisis))
    return PatientResult(
        outcome=shown, reasons=reasons,
        crisis_first=risk or crisis_result,
        crisis_result=crisis_result, show_bands=not (risk or crisis_result),
        can_send=_can_send(questionnaire, assessment, true_outcome, shown),
        offer_booking=shown.offer_booking and not crisis_result,
        helplines=_helplines(questionnaire, assessment),
    )


def _as_before(questionnaire: Questionnaire, assessment: Assessment,
               changed_urgency: int | None) -> PatientResult:
    """1.0.0 and 1.1.0: a crisis outcome shows only its own reasons and notes; the resources
    lead it and any result whose safety answers were taken back."""
    outcome = questionnaire.outcomes_by_id[assessment.outcome]
    crisis = outcome.show_crisis_resources
    reasons = tuple(rule.reason for rule in assessment.rules
                    if not crisis or rule.outcome is None or rule.outcome == assessment.outcome)
    return PatientResult(
        outcome=outcome, reasons=reasons, crisis_first=crisis or changed_urgency is not None,
        crisis_result=crisis, show_bands=True,
        can_send=_can_send(questionnaire, assessment, outcome, outcome),
        offer_booking=outcome.offer_booking and not crisis,
        helplines=_helplines(questionnaire, assessment),
    )


def _can_send(questionnaire: Questionnaire, assessment: Assessment, true_outcome: Outcome,
              shown: Outcome) -> bool:
    """Both outcomes offer sending and no matched rule blocks it (staff never get a minor's
    answers, whatever the outcome)."""
    blocking = {rule.id for rule in questionnaire.rules if rule.blocks_sending}
    matched = {rule.id for rule in assessment.rules}
    return true_outcome.offer_send and shown.offer_send and blocking.isdisjoint(matched)


def _helplines(questionnaire: Questionnaire, assessment: Assessment) -> tuple[Helpline, ...]:
    """The help lines whose rules matched (SAMHSA after a substance rule)."""
    matched = {rule.id for rule in assessment.rules}
    return tuple(h for h in questionnaire.helplines if not matched.isdisjoint(h.rules))


def submission_urgency(questionnaire: Questionnaire, flags: Iterable[str],
                       changed_urgency: int | None = None) -> int | None:
    """The submission's urgency (1 most urgent; None when no flag has one): the lowest of its
    flags', the changed flag taking ``changed_urgency`` when given. An unknown flag counts as 1,
    as ``Questionnaire.is_urgent_flag`` counts it urgent."""
    changed = (questionnaire.safety_answers.changed_flag
               if questionnaire.safety_answers is not None else None)
    urgencies = []
    for flag_id in flags:
        if flag_id == changed and changed_urgency is not None:
            continue
        flag = questionnaire.flags_by_id.get(flag_id)
        urgencies.append(1 if flag is None else flag.urgency)
    if changed_urgency is not None:
        urgencies.append(changed_urgency)
    urgencies = [u for u in urgencies if u is not None]
    return min(urgencies) if urgencies else None
