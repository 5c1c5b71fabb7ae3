"""Progress never grows: ``<progress max>`` is the same on every page of one screening, whatever
branch the answers take (issue 24: "Step 3 of 7" became "Step 4 of 8")."""

from __future__ import annotations


import pytest

from tests.helpers import baseline, phq9
from tests.kit.pages import parse
from tests.web.test_wizard_result import EXAMPLES
from tests.web.wizard_client import questionnaire, walk

BRANCHES = {
    **EXAMPLES,
    "adult_no_pain": baseline(),
    "minor": baseline(age_18_plus="no"),
    "thoughts_without_plan": baseline(cssrs_thoughts="yes", cssrs_method="no",
                                      cssrs_intent="no", cssrs_plan="no"),
    "past_attempt": baseline(suicide_attempt="yes", suicide_attempt_recent="no"),
    "item_9_only": baseline(**phq9(0, 0, 0, 0, 0, 0, 0, 0, 1)),
}


def walk_reading_progress(client, answers: dict) -> list[tuple[str, int, int]]:
    """Answer every step as a patient would, reading (step, max, value) off each page."""
    seen = []

    def read(step_id: str, page: str) -> None:
        found = parse(page).find_all("progress", class_="progress-meter")
        assert found, step_id
        seen.append((step_id, int(found[0].get("max")), int(found[0].get("value"))))

    assert walk(client, answers, read=read) == "/screening/review"
    return seen


@pytest.mark.parametrize("branch", sorted(BRANCHES))
def test_progress_max_never_changes_within_a_screening(app, branch):
    seen = walk_reading_progress(app.test_client(), BRANCHES[branch])
    assert {total for _, total, _ in seen} == {len(questionnaire().steps)}, seen
    values = [value for _, _, value in seen]
    assert values == sorted(values) and len(set(values)) == len(values), seen  # only forward


def test_a_branch_that_adds_a_step_keeps_the_same_max(app):
    """Chronic pain adds the pain-severity step: it was counted from the first page."""
    seen = walk_reading_progress(app.test_client(), BRANCHES["pain_fit"])
    assert "pain_severity" in [step for step, _, _ in seen]
    assert len({total for _, total, _ in seen}) == 1
