"""Keyboard-only driving: Tab / Shift+Tab to move, Space and arrow keys to choose, Enter to act.

After every key press the focused element must show a visible outline and be on screen.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from screener.core.questionnaire import Step
from tests.browser.browser_pages import assert_focus_visible

MAX_PRESSES = 80
PRESSED: Counter = Counter()  # keys pressed by this module, so a test can see which were used

# Whether the focused element matches ``selector``, and whether the first match lies ahead of it.
WHERE = """(selector) => {
  const el = document.activeElement;
  const target = document.querySelector(selector);
  if (!target) return {found: false};
  const at = el && el !== document.body ? el : null;
  const ahead = !at || Boolean(at.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING);
  return {found: true, matches: Boolean(at && at.matches(selector)), ahead: ahead};
}"""


def press(page, key: str) -> dict:
    """Press a key, then check the focus is visible."""
    PRESSED[key] += 1
    page.keyboard.press(key)
    return assert_focus_visible(page)


def tab_to(page, selector: str) -> dict:
    """Tab (or Shift+Tab, when the target is behind) until an element matching ``selector``
    has the focus."""
    for _ in range(MAX_PRESSES):
        where = page.evaluate(WHERE, selector)
        assert where["found"], f"nothing matches {selector} on {page.url}"
        if where["matches"]:
            return assert_focus_visible(page)
        press(page, "Tab" if where["ahead"] else "Shift+Tab")
    raise AssertionError(f"could not reach {selector} with Tab on {page.url}")


def _checked_value(page, name: str) -> str | None:
    return page.evaluate(
        "(name) => { const el = document.querySelector(`input[name='${name}']:checked`);"
        " return el ? el.value : null; }", name)


def choose_radio(page, name: str, value: Any) -> None:
    """Tab into a radio group, Space to pick the focused option, arrows to reach ``value``."""
    tab_to(page, f"input[type=radio][name='{name}']")
    if _checked_value(page, name) is None:
        press(page, "Space")
    values = page.eval_on_selector_all(f"input[name='{name}']", "els => els.map(e => e.value)")
    for _ in range(len(values)):
        current = _checked_value(page, name)
        if current == str(value):
            return
        step = values.index(str(value)) - values.index(current)
        press(page, "ArrowDown" if step > 0 else "ArrowUp")
    assert _checked_value(page, name) == str(value), f"could not choose {value} for {name}"


def set_checkboxes(page, name: str, values: list[Any]) -> None:
    """Tab to each box of a checkbox group in turn; Space where its state must change."""
    wanted = {str(v) for v in values}
    boxes = page.eval_on_selector_all(f"input[name='{name}']", "els => els.map(e => e.value)")
    for value in boxes:
        box = f"input[name='{name}'][value='{value}']"
        tab_to(page, box)
        if page.is_checked(box) != (value in wanted):
            press(page, "Space")
        assert page.is_checked(box) == (value in wanted)


def answer_by_keyboard(page, step: Step, answers: dict[str, Any]) -> None:
    """Answer every question of the step on the page with the keyboard alone."""
    for question in step.questions:
        if question.id not in answers or page.locator(f"[name='{question.id}']").count() == 0:
            continue
        value = answers[question.id]
        if isinstance(value, list):
            set_checkboxes(page, question.id, value)
        else:
            choose_radio(page, question.id, value)


def activate(page, selector: str) -> None:
    """Tab to a button or link and press Enter."""
    tab_to(page, selector)
    PRESSED["Enter"] += 1
    with page.expect_navigation():
        page.keyboard.press("Enter")


def continue_by_keyboard(page) -> None:
    activate(page, "button[value=continue]")


def type_into(page, selector: str, text: str) -> None:
    """Tab to a text field and type."""
    tab_to(page, selector)
    page.keyboard.type(text)
