"""Turning parsed ``questions.yaml`` into a Questionnaire: the top level, scores, outcomes, flags
and rules. Steps and questions are built by ``steps``, the other sections by ``sections``,
conditions by ``conditions``; every problem is collected with its YAML path.
"""

from __future__ import annotations

import re
from typing import Any

from screener.core.questionnaire.checks import is_one_of, spelling_hint
from screener.core.questionnaire.document import Questionnaire
from screener.core.questionnaire.evaluation import is_allowed
from screener.core.questionnaire.kinds import QUESTION_KINDS
from screener.core.questionnaire.steps import StepChecks
from screener.core.questionnaire.types import SCORE_METHODS, Band, Flag, Outcome, Rule, Score

_TOP_KEYS = {
    "id": True, "version": True, "title": True, "url": False, "publisher": False,
    "copyright": False, "choice_sets": False, "steps": True, "scores": False, "outcomes": True,
    "default_outcome": True, "flags": False, "rules": True, "crisis_resources": True,
    "texts": True, "safety_answers": False, "urgent_up_to": False, "at_risk": False,
    "helplines": False, "languages": False,
}
_SCORE_KEYS = {
    "id": True, "title": True, "method": True, "items": True, "min": True, "max": True,
    "bands": False, "decimals": False, "count_answer": False, "code": False,
}
_BAND_KEYS = {"id": True, "label": True, "min": True, "max": True, "patient_label": False}
_OUTCOME_KEYS = {"id": True, "title": True, "explanation": True, "show_crisis_resources": False,
                 "offer_send": False, "offer_booking": False}
_FLAG_KEYS = {"id": True, "label": True, "urgency": False}
_RULE_KEYS = {"id": True, "when": True, "reason": True, "outcome": False, "flag": False,
              "blocks_sending": False}
_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


class Builder(StepChecks):
    """Turns parsed YAML into a Questionnaire, collecting problems instead of stopping."""

    def __init__(self, sha256: str):
        super().__init__()
        self.sha256 = sha256

    def build(self, data: Any) -> Questionnaire | None:
        """The questionnaire, or None when there are problems (see ``self.problems``)."""
        top = self.mapping(data, "", _TOP_KEYS)
        if top is None:
            return None
        self.check_header(top)
        self.check_languages(top.get("languages"))
        self.build_choice_sets(top.get("choice_sets", {}))
        raw_steps = self.items(top, "steps", "")
        raw_scores = self.items(top, "scores", "")
        self.declare(raw_steps, raw_scores)
        steps = self.build_steps(raw_steps)
        scores = self.build_scores(raw_scores)
        outcomes = self.build_outcomes(self.items(top, "outcomes", ""))
        outcome_ids = {o.id for o in outcomes}
        default = top.get("default_outcome")
        if "default_outcome" in top and not is_one_of(default, outcome_ids):
            self.problem("default_outcome", f'unknown outcome "{default}"')
        flags = self.build_flags(self.items(top, "flags", ""))
        rules = self.build_rules(self.items(top, "rules", ""), outcome_ids, {f.id for f in flags})
        crisis_title, resources = self.build_crisis(top.get("crisis_resources"))
        texts = self.build_texts(top.get("texts"))
        safety = self.build_safety(top.get("safety_answers"), {f.id for f in flags})
        rule_ids = {r.id for r in rules}
        at_risk = self.build_at_risk(top.get("at_risk"), {f.id for f in flags}, rule_ids,
                                     outcome_ids)
        helplines = self.build_helplines(self.items(top, "helplines", ""), rule_ids)
        urgent_up_to = self.whole_number(top, "urgent_up_to", "", 2, 1)
        if self.problems:
            return None
        return Questionnaire.assemble(
            id=top["id"], version=top["version"].strip(), title=self.text(top, "title", ""),
            steps=tuple(steps),
            scores=tuple(scores), outcomes=tuple(outcomes), default_outcome=default,
            rules=tuple(rules), flags=tuple(flags), crisis_title=crisis_title,
            crisis_resources=resources, texts=texts, url=self.text(top, "url", ""),
            publisher=self.text(top, "publisher", ""),
            copyright=self.text(top, "copyright", ""), safety_answers=safety,
            urgent_up_to=urgent_up_to, at_risk=at_risk, helplines=helplines,
            source_sha256=self.sha256,
        )

    def check_header(self, top: dict) -> None:
        """The questionnaire's id (a FHIR id) and version (text)."""
        questionnaire_id = top.get("id")
        if "id" in top and not (isinstance(questionnaire_id, str)
                                and _FHIR_ID.fullmatch(questionnaire_id)):
            self.problem("id", f"invalid id {questionnaire_id!r} (letters, digits, - and .)")
        version = top.get("version")
        if "version" in top and (not isinstance(version, str) or not version.strip()):
            self.problem("version", 'expected text (quote it, e.g. "1.0.0")')
        self.text(top, "title", "")

    def check_languages(self, value: Any) -> None:
        """``languages``: the tags of the sibling files other than English (``[es]``)."""
        if value is None:
            return
        if not isinstance(value, list) or not all(
                isinstance(tag, str) and _LANGUAGE.fullmatch(tag) and tag != "en" for tag in value):
            self.problem("languages", 'expected a list of language tags other than "en", '
                         'such as [es]')

    def version_text(self, data: dict, key: str, path: str) -> str | None:
        """A version like ``1.1.0`` (quoted or not: YAML reads ``1.1`` as a number)."""
        value = data.get(key)
        if value is None:
            return None
        text = str(value).strip() if isinstance(value, (str, int, float)) else ""
        if isinstance(value, bool) or not _VERSION.fullmatch(text):
            self.problem(f"{path}.{key}", 'expected a version like "1.1.0"')
            return None
        return text


    def build_scores(self, raw_scores: list) -> list[Score]:
        scores, seen = [], set()
        for path, data in self.mappings(raw_scores, "scores", _SCORE_KEYS):
            scores.append(self.build_score(data, path, seen))
        return scores

    def build_score(self, data: dict, path: str, seen: set[str]) -> Score:
        method = data.get("method")
        if "method" in data and method not in SCORE_METHODS:
            self.problem(f"{path}.method", f'unknown method "{method}" '
                         f"(known: {', '.join(SCORE_METHODS)})")
        items = self.items(data, "items", path)
        if "items" in data and not items:
            self.problem(f"{path}.items", "a score needs at least one item")
        for i, item in enumerate(items):
            self.check_score_item(item, method, data, f"{path}.items[{i}]")
        if method == "count":
            self.check_count_answer(data, items, f"{path}.count_answer")
        low, high = self.number(data, "min", path), self.number(data, "max", path)
        if low is not None and high is not None and low > high:
            self.problem(path, "min is greater than max")
        return Score(
            id=self.identifier(data, path, seen), title=self.text(data, "title", path) or "",
            method=str(method), items=tuple(str(i) for i in items), min=low or 0, max=high or 0,
            bands=self.build_bands(self.items(data, "bands", path), path),
            decimals=self.whole_number(data, "decimals", path, 0, 0),
            count_answer=data.get("count_answer"),
            code=self.coding(data.get("code"), f"{path}.code"),
        )

    def check_score_item(self, item: Any, method: Any, data: dict, path: str) -> None:
        question = self.questions.get(item) if isinstance(item, str) else None
        if question is None:
            self.problem(path, f'unknown question "{item}"')
        elif question.kind in QUESTION_KINDS and question.kind_spec.multiple:
            self.problem(path, f'"{item}" is a multi question; a score needs one answer per item')
        elif method in ("sum", "mean") and not all(
            isinstance(v, int) for v in question.allowed_values()
        ):
            self.problem(path, f'"{item}" has answers that are not numbers')

    def check_count_answer(self, data: dict, items: list, path: str) -> None:
        if "count_answer" not in data:
            self.problem(path, "a count score needs count_answer")
            return
        answer = data["count_answer"]
        for item in items:
            question = self.questions.get(item) if isinstance(item, str) else None
            if question is not None and not is_allowed(answer, question.allowed_values()):
                self.problem(path, f'"{answer}" is not a valid answer to "{item}"'
                             + spelling_hint(answer, question.allowed_values()))
                return

    def build_bands(self, raw_bands: list, path: str) -> tuple[Band, ...]:
        bands, seen = [], set()
        for bpath, data in self.mappings(raw_bands, f"{path}.bands", _BAND_KEYS):
            low, high = self.number(data, "min", bpath), self.number(data, "max", bpath)
            if low is None or high is None:
                continue
            if low > high:
                self.problem(bpath, "min is greater than max")
            for other in bands:
                if low <= other.max and other.min <= high:
                    self.problem(bpath, f'overlaps band "{other.id}"')
            bands.append(Band(self.identifier(data, bpath, seen),
                              self.text(data, "label", bpath) or "", low, high,
                              self.text(data, "patient_label", bpath)))
        return tuple(bands)

    def build_outcomes(self, raw_outcomes: list) -> list[Outcome]:
        outcomes, seen = [], set()
        if not raw_outcomes:
            self.problem("outcomes", "at least one outcome is required")
        for path, data in self.mappings(raw_outcomes, "outcomes", _OUTCOME_KEYS):
            outcomes.append(Outcome(
                id=self.identifier(data, path, seen), title=self.text(data, "title", path) or "",
                explanation=self.text(data, "explanation", path) or "",
                show_crisis_resources=self.boolean(data, "show_crisis_resources", path),
                offer_send=self.boolean(data, "offer_send", path, True),
                offer_booking=self.boolean(data, "offer_booking", path),
            ))
        return outcomes

    def build_flags(self, raw_flags: list) -> list[Flag]:
        flags, seen = [], set()
        for path, data in self.mappings(raw_flags, "flags", _FLAG_KEYS):
            urgency = (self.whole_number(data, "urgency", path, 1, 1)
                       if "urgency" in data else None)
            flags.append(Flag(
                self.identifier(data, path, seen), self.text(data, "label", path) or "", urgency,
            ))
        return flags

    def build_rules(self, raw_rules: list, outcome_ids: set, flag_ids: set) -> list[Rule]:
        rules, seen = [], set()
        for path, data in self.mappings(raw_rules, "rules", _RULE_KEYS):
            rule_id = self.identifier(data, path, seen)
            # Rules run once every answer is in: they may name any question.
            when = self.condition(data.get("when"), f"{path}.when", controls=None)
            outcome, flag = data.get("outcome"), data.get("flag")
            if outcome is not None and not is_one_of(outcome, outcome_ids):
                self.problem(f"{path}.outcome", f'unknown outcome "{outcome}"')
            if flag is not None and not is_one_of(flag, flag_ids):
                self.problem(f"{path}.flag", f'unknown flag "{flag}"')
            reason = self.text(data, "reason", path)
            if when is not None:
                rules.append(Rule(rule_id, when, reason or "", outcome, flag,
                                  self.boolean(data, "blocks_sending", path)))
        return rules
