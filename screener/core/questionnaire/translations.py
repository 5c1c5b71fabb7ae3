"""The questionnaire's patient texts in other languages: sibling files keyed by the same ids.

``questions.yaml`` (English) stays the source of everything but words. A language it lists under
``languages`` has a sibling file (``questions.es.yaml``) holding the words of every
patient-facing English text, keyed by id; the loader refuses it when one is missing or when it
names an id the English does not have (every problem with its YAML path). ``localize`` builds
the Questionnaire a page in that language reads: same ids, values, conditions and rules, so the
same answers give the same outcomes in every language. Pure Python.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from screener.core.questionnaire.document import Questionnaire
from screener.core.questionnaire.types import (
    Choice, CrisisResource, Helpline, Link, Outcome, Question, Score, Step,
)

UNVALIDATED = "unvalidated"
# Keys that are not texts: the file's own header, a per-step or per-question mark, the order of
# the crisis resources on pages in that language.
_HEADER_KEYS = ("language", "translates")
_STEP_TEXTS = ("title", "intro", "stem", "notice", "crisis_page_title", "crisis_page_text")


@dataclass(frozen=True)
class Translation:
    """One language's texts, keyed by their YAML path in the sibling file (``questions.phq9_1
    .text``, ``rules.under_18``, ``choice_sets.yes_no.yes``), with what it marks unvalidated
    (step and question ids) and the order of the crisis resources (English positions)."""

    language: str
    texts: Mapping[str, str]
    unvalidated: frozenset[str] = frozenset()
    crisis_order: tuple[int, ...] = ()
    # (question id, str(value)) -> label, whether the label sits on the question or its set
    choice_labels: Mapping[tuple[str, str], str] = field(
        default_factory=lambda: MappingProxyType({}))

    def text(self, path: str) -> str:
        """The text at ``path`` (the loader has checked that every needed one is there)."""
        return self.texts[path]


def sibling_path(path: str | Path, language: str) -> Path:
    """``questions.yaml`` → ``questions.es.yaml``: where a language's texts live."""
    path = Path(path)
    return path.with_name(f"{path.stem}.{language}{path.suffix}")


def expected_paths(data: dict) -> Iterator[str]:
    """Every patient-facing text of the (valid) English YAML, as its path in a sibling file."""
    yield "title"
    if data.get("copyright"):
        yield "copyright"
    for step in data.get("steps", []):
        yield from (f"steps.{step['id']}.{key}" for key in _STEP_TEXTS if step.get(key))
        # Time frames over parts of a step (``stems``, each a text and its questions): in the
        # Spanish file a list of texts in the same order.
        yield from (f"steps.{step['id']}.stems[{i}]" for i, _ in enumerate(step.get("stems") or []))
        for question in step.get("questions", []):
            yield from _question_paths(question)
    for name, choices in (data.get("choice_sets") or {}).items():
        yield from (f"choice_sets.{name}.{choice['value']}" for choice in choices)
    for score in data.get("scores", []):
        yield f"scores.{score['id']}.title"
        yield from (f"scores.{score['id']}.bands.{band['id']}" for band in score.get("bands") or [])
    for outcome in data.get("outcomes", []):
        yield from (f"outcomes.{outcome['id']}.title", f"outcomes.{outcome['id']}.explanation")
    yield from (f"rules.{rule['id']}" for rule in data.get("rules", []))
    for i, helpline in enumerate(data.get("helplines") or []):
        yield from _resource_paths(f"helplines[{i}]", helpline)
    crisis = data["crisis_resources"]
    yield "crisis_resources.title"
    for i, item in enumerate(crisis.get("items", [])):
        yield from _resource_paths(f"crisis_resources.items[{i}]", item)
    yield from (f"texts.{key}" for key in data.get("texts", {}))


def _question_paths(question: dict) -> Iterator[str]:
    where = f"questions.{question['id']}"
    yield f"{where}.text"
    if question.get("help"):
        yield f"{where}.help"
    if isinstance(question.get("choices"), list):  # a named choice set is translated once
        yield from (f"{where}.choices.{choice['value']}" for choice in question["choices"])
    yield from (f"{where}.anchors.{key}" for key in question.get("anchors") or {})


def _resource_paths(where: str, item: dict) -> Iterator[str]:
    yield f"{where}.text"
    hrefs = [link["href"] for link in item.get("links") or []]
    if item.get("href"):  # the 1.0.0 form: one href with its link_text
        hrefs.append(item["href"])
    yield from (f"{where}.links.{href}" for href in hrefs)


class TranslationReader:
    """Reads one sibling file into a Translation, collecting problems with their YAML paths."""

    def __init__(self, language: str, english: dict):
        self.language = language
        self.english = english
        self.problems: list[str] = []
        self.unvalidated: set[str] = set()
        self.order: tuple[int, ...] = ()

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}" if path else message)

    def read(self, data: Any) -> Translation | None:
        """The translation, or None with ``problems`` set."""
        if not isinstance(data, dict):
            self.problem("top level", "expected a mapping")
            return None
        self.check_header(data)
        texts = dict(self.flatten({k: v for k, v in data.items() if k not in _HEADER_KEYS}, ""))
        expected = list(dict.fromkeys(expected_paths(self.english)))
        for path in expected:
            if path not in texts:
                self.problem(path, f'missing the "{self.language}" text')
        for path in texts.keys() - set(expected):
            self.problem(path, "unknown key: the English questionnaire has no such text or id")
        if self.problems:
            return None
        return Translation(self.language, MappingProxyType(texts), frozenset(self.unvalidated),
                           self.order, MappingProxyType(dict(self.choice_labels(texts))))

    def choice_labels(self, texts: dict) -> Iterator[tuple[tuple[str, str], str]]:
        """Each question's choice labels, from its own choices or its named choice set."""
        sets = self.english.get("choice_sets") or {}
        for step in self.english.get("steps", []):
            for question in step.get("questions", []):
                choices, qid = question.get("choices"), question["id"]
                if isinstance(choices, str):
                    where, choices = f"choice_sets.{choices}", sets[choices]
                elif isinstance(choices, list):
                    where = f"questions.{qid}.choices"
                else:
                    continue
                for choice in choices:
                    yield (qid, str(choice["value"])), texts[f"{where}.{choice['value']}"]

    def check_header(self, data: dict) -> None:
        if data.get("language") != self.language:
            self.problem("language", f'expected "{self.language}" (the file name says so)')
        version = str(data.get("translates", "")).strip()
        if version != str(self.english.get("version", "")).strip():
            self.problem("translates", f'translates "{version}" but the questionnaire is '
                         f'"{self.english.get("version")}": check every changed text')

    def flatten(self, value: Any, path: str) -> Iterator[tuple[str, str]]:
        """(path, text) for every text under ``value``; marks and the order are read aside."""
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if key == "translation" and path.count(".") == 1 and path.split(".")[0] in (
                        "steps", "questions"):
                    self.mark(item, child, path.split(".")[1])
                elif child == "crisis_resources.order":
                    self.read_order(item, child)
                else:
                    yield from self.flatten(item, child)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from self.flatten(item, f"{path}[{index}]")
        elif isinstance(value, str) and value.strip():
            yield path, value.strip()
        else:
            self.problem(path, "expected non-empty text")

    def mark(self, value: Any, path: str, item_id: str) -> None:
        if value != UNVALIDATED:
            self.problem(path, f'the only mark is "{UNVALIDATED}" (leave it out when validated)')
        self.unvalidated.add(item_id)

    def read_order(self, value: Any, path: str) -> None:
        """The crisis resources' order on this language's pages: every English position once."""
        count = len(self.english["crisis_resources"].get("items", []))
        if not isinstance(value, list) or sorted(value) != list(range(count)):
            self.problem(path, f"expected each position 0 to {count - 1} once")
            return
        self.order = tuple(value)


def localize(q: Questionnaire, tr: Translation) -> Questionnaire:
    """``q`` with every patient-facing text in ``tr``'s language (ids, values, conditions,
    rules, flags and staff labels unchanged)."""
    return q.changed(
        title=tr.text("title"),
        copyright=tr.text("copyright") if q.copyright else q.copyright,
        steps=tuple(_step(step, tr) for step in q.steps),
        scores=tuple(_score(score, tr) for score in q.scores),
        outcomes=tuple(_outcome(outcome, tr) for outcome in q.outcomes),
        rules=tuple(dataclasses.replace(rule, reason=tr.text(f"rules.{rule.id}"))
                    for rule in q.rules),
        crisis_title=tr.text("crisis_resources.title"),
        crisis_resources=_crisis(q.crisis_resources, tr),
        texts={key: tr.text(f"texts.{key}") for key in q.texts},
        helplines=tuple(_helpline(h, i, tr) for i, h in enumerate(q.helplines)),
        language=tr.language,
    )


def _step(step: Step, tr: Translation) -> Step:
    where = f"steps.{step.id}"
    texts = {key: tr.text(f"{where}.{key}") for key in _STEP_TEXTS if getattr(step, key)}
    if getattr(step, "stems", ()):  # each a (text, question ids) pair: only the text changes
        texts["stems"] = tuple((tr.text(f"{where}.stems[{i}]"), ids)
                               for i, (_, ids) in enumerate(step.stems))
    return dataclasses.replace(
        step, **texts, questions=tuple(_question(q, tr) for q in step.questions),
        translation=UNVALIDATED if step.id in tr.unvalidated else None)


def _question(question: Question, tr: Translation) -> Question:
    where = f"questions.{question.id}"
    return dataclasses.replace(
        question, text=tr.text(f"{where}.text"),
        help=tr.text(f"{where}.help") if question.help else None,
        choices=tuple(_choice(question, choice, tr) for choice in question.choices),
        anchors=tuple((key, tr.text(f"{where}.anchors.{key}")) for key, _ in question.anchors),
        translation=UNVALIDATED if question.id in tr.unvalidated else None)


def _choice(question: Question, choice: Choice, tr: Translation) -> Choice:
    return dataclasses.replace(choice, label=tr.choice_labels[(question.id, str(choice.value))])


def _score(score: Score, tr: Translation) -> Score:
    where = f"scores.{score.id}"
    bands = tuple(dataclasses.replace(band, patient_label=tr.text(f"{where}.bands.{band.id}"))
                  for band in score.bands)
    return dataclasses.replace(score, title=tr.text(f"{where}.title"), bands=bands)


def _outcome(outcome: Outcome, tr: Translation) -> Outcome:
    where = f"outcomes.{outcome.id}"
    return dataclasses.replace(outcome, title=tr.text(f"{where}.title"),
                               explanation=tr.text(f"{where}.explanation"))


def _links(links: tuple[Link, ...], where: str, tr: Translation) -> tuple[Link, ...]:
    return tuple(Link(link.href, tr.text(f"{where}.links.{link.href}")) for link in links)


def _crisis(resources: tuple[CrisisResource, ...], tr: Translation) -> tuple[CrisisResource, ...]:
    """Translated, in the language's order; every line is now in the page's language."""
    translated = [CrisisResource(tr.text(f"crisis_resources.items[{i}].text"),
                                 _links(r.links, f"crisis_resources.items[{i}]", tr), None)
                  for i, r in enumerate(resources)]
    order = tr.crisis_order or tuple(range(len(translated)))
    return tuple(translated[i] for i in order)


def _helpline(helpline: Helpline, index: int, tr: Translation) -> Helpline:
    where = f"helplines[{index}]"
    return dataclasses.replace(helpline, text=tr.text(f"{where}.text"),
                               links=_links(helpline.links, where, tr))

