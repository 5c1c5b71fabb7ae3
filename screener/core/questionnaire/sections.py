"""Building the questionnaire's sections around the questions: crisis resources, safety answers,
who is at risk, help lines and texts. Part of the loader (``Builder`` extends ``SectionChecks``).
"""

from __future__ import annotations

import re
from typing import Any

from screener.core.questionnaire.checks import is_one_of
from screener.core.questionnaire.conditions import ConditionChecks
from screener.core.questionnaire.types import (
    AtRisk, Comparison, CrisisResource, Helpline, Link, SafetyAnswers,
)

_CRISIS_KEYS = {"title": True, "items": True}
_RESOURCE_KEYS = {"text": True, "href": False, "link_text": False, "links": False, "lang": False}
_LINK_KEYS = {"href": True, "text": True}
_SAFETY_KEYS = {"when": True, "changed_flag": True, "high_risk": False}
_AT_RISK_KEYS = {"flags": True, "hidden_rules": False, "crisis_outcome": False}
_HELPLINE_KEYS = {"text": True, "links": True, "rules": True}
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")  # a BCP 47 tag such as es or es-US
_REQUIRED_TEXTS = ("consultation", "scores_disclaimer")
_LINK_SCHEMES = ("tel:", "sms:", "mailto:", "https://", "http://")


class SectionChecks(ConditionChecks):
    """The loader's builders for the sections that are not steps, scores, outcomes or rules."""

    def build_crisis(self, value: Any) -> tuple[str, tuple[CrisisResource, ...]]:
        if value is None:
            return "", ()  # reported as a missing required key
        data = self.mapping(value, "crisis_resources", _CRISIS_KEYS)
        if data is None:
            return "", ()
        resources = []
        items = self.items(data, "items", "crisis_resources")
        for path, item in self.mappings(items, "crisis_resources.items", _RESOURCE_KEYS):
            if text := self.text(item, "text", path):
                resources.append(CrisisResource(text, self.resource_links(item, path),
                                                self.language(item, path)))
        if "items" in data and not resources:
            self.problem("crisis_resources.items", "at least one crisis resource is required")
        return self.text(data, "title", "crisis_resources") or "", tuple(resources)

    def resource_links(self, item: dict, path: str) -> tuple[Link, ...]:
        """A resource's ways to act: ``links`` (each href and text), or one ``href`` with its
        ``link_text`` (the 1.0.0 form, still read for stored questionnaire versions)."""
        if "links" in item and "href" in item:
            self.problem(f"{path}.href", "give either href or links, not both")
        if "href" in item:
            href = self.link(item, path)
            return (Link(href, self.text(item, "link_text", path) or item["text"]),) if href else ()
        links = []
        for lpath, data in self.mappings(self.items(item, "links", path), f"{path}.links",
                                         _LINK_KEYS):
            href, text = self.link(data, lpath), self.text(data, "text", lpath)
            if href and text:
                links.append(Link(href, text))
        return tuple(links)

    def language(self, item: dict, path: str) -> str | None:
        """A text's language tag (``lang: es``), or None for the page's language."""
        lang = self.text(item, "lang", path)
        if lang is not None and not _LANG.fullmatch(lang):
            self.problem(f"{path}.lang", f'expected a language tag such as "es", got "{lang}"')
            return None
        return lang

    def link(self, item: dict, path: str) -> str | None:
        """A crisis resource's href: a phone, text, mail or web link, never script."""
        href = self.text(item, "href", path)
        if href is not None and not href.lower().startswith(_LINK_SCHEMES):
            self.problem(f"{path}.href", f"expected a link starting with {', '.join(_LINK_SCHEMES)}")
            return None
        return href

    def build_safety(self, value: Any, flag_ids: set) -> SafetyAnswers | None:
        """Which saved answers are recorded for good, and the flag for one that changed."""
        if value is None:
            return None
        data = self.mapping(value, "safety_answers", _SAFETY_KEYS)
        if data is None:
            return None
        flag = data.get("changed_flag")
        if "changed_flag" in data and not is_one_of(flag, flag_ids):
            self.problem("safety_answers.changed_flag", f'unknown flag "{flag}"')
        raw = self.items(data, "when", "safety_answers")
        if "when" in data and not raw:
            self.problem("safety_answers.when", "expected a non-empty list of conditions")
        conditions = self.comparisons(raw, "safety_answers.when")
        high_risk = self.comparisons(self.items(data, "high_risk", "safety_answers"),
                                     "safety_answers.high_risk")
        if self.problems:
            return None
        return SafetyAnswers(conditions, flag, high_risk)

    def comparisons(self, raw: list, path: str) -> tuple[Comparison, ...]:
        """A list of ``{question, operator, answer}`` conditions on one question each."""
        found = []
        for index, item in enumerate(raw):
            ipath = f"{path}[{index}]"
            if not isinstance(item, dict) or "question" not in item:
                self.problem(ipath, "expected {question: ID, operator: OP, answer: VALUE}")
                continue
            condition = self.condition(item, ipath, controls=None)
            if isinstance(condition, Comparison):
                found.append(condition)
        return tuple(found)

    def build_at_risk(self, value: Any, flag_ids: set, rule_ids: set,
                      outcome_ids: set) -> AtRisk | None:
        """Which flags remove reassurance, which reasons they hide, and the crisis outcome."""
        if value is None:
            return None
        data = self.mapping(value, "at_risk", _AT_RISK_KEYS)
        if data is None:
            return None
        flags = self.known_ids(data, "flags", "at_risk", flag_ids, "flag")
        if "flags" in data and not flags:
            self.problem("at_risk.flags", "expected a non-empty list of flag ids")
        hidden = self.known_ids(data, "hidden_rules", "at_risk", rule_ids, "rule")
        crisis = data.get("crisis_outcome")
        if crisis is not None and not is_one_of(crisis, outcome_ids):
            self.problem("at_risk.crisis_outcome", f'unknown outcome "{crisis}"')
        return AtRisk(flags, hidden, crisis)

    def known_ids(self, data: dict, key: str, path: str, known: set, kind: str) -> tuple[str, ...]:
        """A list of ids at ``key``, each one of ``known``."""
        found = []
        for index, item in enumerate(self.items(data, key, path)):
            if is_one_of(item, known):
                found.append(item)
            else:
                self.problem(f"{path}.{key}[{index}]", f'unknown {kind} "{item}"')
        return tuple(found)

    def build_helplines(self, raw: list, rule_ids: set) -> tuple[Helpline, ...]:
        """Help lines a result shows when any of their rules matched (SAMHSA)."""
        helplines = []
        for path, data in self.mappings(raw, "helplines", _HELPLINE_KEYS):
            text = self.text(data, "text", path)
            links = self.resource_links({"links": data.get("links")}, path)
            rules = self.known_ids(data, "rules", path, rule_ids, "rule")
            if "rules" in data and not rules:
                self.problem(f"{path}.rules", "expected a non-empty list of rule ids")
            if text:
                helplines.append(Helpline(text, links, rules))
        return tuple(helplines)

    def build_texts(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            if value is not None:
                self.problem("texts", "expected a mapping of name to text")
            return {}
        texts = {}
        for key, text in value.items():
            if not isinstance(text, str) or not text.strip():
                self.problem(f"texts.{key}", "expected non-empty text")
            else:
                texts[str(key)] = text.strip()
        for key in _REQUIRED_TEXTS:
            if key not in value:
                self.problem(f"texts.{key}", "missing required text")
        return texts
