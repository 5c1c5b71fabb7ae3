"""Load ``questions.yaml`` and validate it into a Questionnaire.

Every problem found is reported at once, each with the YAML path where it stands
(``steps[2].questions[4].choices[1].value: ...``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from screener.core.questionnaire.checks import is_one_of, is_valid_value, spelling_hint
from screener.core.questionnaire.sections import SectionChecks
from screener.core.questionnaire.translations import (Translation, TranslationReader, localize,
                                                      sibling_path)
from screener.core.questionnaire.types import (
    QUESTION_KINDS, RESERVED_STEP_IDS, SCORE_METHODS, Band, Choice, Flag, Outcome, Question,
    Questionnaire, QuestionnaireError, Rule, Score, Step,
)


def load(path: str | Path) -> Questionnaire:
    """Read and validate a questionnaire file and the sibling file of each language it lists
    (``questions.es.yaml``); raise QuestionnaireError listing every problem."""
    source = read_source(path)
    return loads(source, source=str(path), translations=read_translations(path, source))


def read_source(path: str | Path) -> str:
    """A questionnaire file's text (QuestionnaireError when it cannot be read)."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise QuestionnaireError([f"cannot read file: {reason}"], str(path)) from None


def read_translations(path: str | Path, source: str) -> dict[str, str]:
    """The text of each sibling file the questionnaire at ``path`` lists under ``languages``
    (a missing one is left out, and ``loads`` then names it)."""
    try:
        declared = (yaml.load(source, Loader=_StrictLoader) or {}).get("languages")  # noqa: S506
    except (yaml.YAMLError, AttributeError):
        return {}  # ``loads`` reports the English file's own problems
    found = {}
    for language in declared if isinstance(declared, list) else []:
        sibling = sibling_path(path, str(language))
        if sibling.is_file():
            found[str(language)] = read_source(sibling)
    return found


def loads(text: str, source: str = "questionnaire",
          translations: Mapping[str, str] | None = None) -> Questionnaire:
    """Parse and validate questionnaire YAML text. ``translations`` (language -> the sibling
    file's text) must hold every language the questionnaire lists, each complete; None loads
    the English alone (a stored snapshot, whose words in other languages were not stored)."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise QuestionnaireError([_yaml_problem(exc)], source) from None
    builder = Builder(hashlib.sha256(text.encode("utf-8")).hexdigest())
    questionnaire = builder.build(data)
    if builder.problems or questionnaire is None:
        raise QuestionnaireError(builder.problems, source)
    if translations is None:
        return questionnaire
    return _with_translations(questionnaire, data, translations, source)


def _with_translations(q: Questionnaire, data: dict, texts: Mapping[str, str],
                       source: str) -> Questionnaire:
    """``q`` carrying each listed language's texts and views; QuestionnaireError naming every
    missing or unknown text (``[es] questions.phq9_1.text: ...``)."""
    declared = [str(language) for language in data.get("languages") or []]
    problems, found = [], {}
    for language in texts.keys() - set(declared):
        problems.append(f"[{language}] languages: the questionnaire does not list {language}")
    for language in declared:
        if language not in texts:
            problems.append(f"[{language}] languages: no {language} file "
                            f"({sibling_path(source, language).name})")
            continue
        try:
            raw = yaml.load(texts[language], Loader=_StrictLoader)  # noqa: S506
        except yaml.YAMLError as exc:
            problems.append(f"[{language}] {_yaml_problem(exc)}")
            continue
        reader = TranslationReader(language, data)
        translation = reader.read(raw)
        problems += [f"[{language}] {problem}" for problem in reader.problems]
        if translation is not None:
            found[language] = translation
    if problems:
        raise QuestionnaireError(problems, source)
    return _with_views(q, found)


def _with_views(q: Questionnaire, found: dict[str, Translation]) -> Questionnaire:
    """The English questionnaire with ``translations`` set and every language's view built."""
    english = dataclasses.replace(q, translations=MappingProxyType(found))
    views = {"en": english}
    views.update((language, localize(english, tr)) for language, tr in found.items())
    for view in views.values():  # every view answers localized() for every language
        object.__setattr__(view, "_views", views)
    return english


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
    """SafeLoader that refuses duplicate keys, which plain YAML silently resolves to the last."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f'duplicate key "{key}"', key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f"not valid YAML: {problem}"
    return f"line {mark.line + 1}, column {mark.column + 1}: not valid YAML: {problem}"


_TOP_KEYS = {
    "id": True, "version": True, "title": True, "url": False, "publisher": False,
    "copyright": False, "choice_sets": False, "steps": True, "scores": False, "outcomes": True,
    "default_outcome": True, "flags": False, "rules": True, "crisis_resources": True,
    "texts": True, "safety_answers": False, "urgent_up_to": False, "at_risk": False,
    "helplines": False, "languages": False,
}
_STEP_KEYS = {
    "id": True, "title": True, "questions": True, "intro": False, "stem": False, "notice": False,
    "instrument": False, "code": False, "enable_when": False, "show_crisis_resources": False,
    "crisis_page_when": False, "crisis_page_title": False, "crisis_page_text": False,
    "stems": False,
}
_QUESTION_KEYS = {
    "id": True, "kind": True, "text": True, "required": False, "choices": False, "min": False,
    "max": False, "anchors": False, "help": False, "code": False, "enable_when": False,
    "instrument": False, "added_in": False,
}
_CHOICE_KEYS = {"value": True, "label": True, "code": False, "exclusive": False}
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
_MAX_SCALE_SPAN = 100  # a scale is a row of choices: 0-10 numeric rating, at most 0-100
_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


class Builder(SectionChecks):
    """Turns parsed YAML into a Questionnaire, collecting problems instead of stopping."""

    def __init__(self, sha256: str):
        super().__init__()
        self.sha256 = sha256
        self.choice_sets: dict[str, tuple[Choice, ...]] = {}

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
        return Questionnaire(
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

    def build_choice_sets(self, value: Any) -> None:
        if not isinstance(value, dict):
            self.problem("choice_sets", "expected a mapping of name to a list of choices")
            return
        for name, choices in value.items():
            self.choice_sets[str(name)] = self.build_choices(choices, f"choice_sets.{name}")

    def build_choices(self, value: Any, path: str) -> tuple[Choice, ...]:
        if not isinstance(value, list) or not value:
            self.problem(path, "expected a non-empty list of choices")
            return ()
        choices, seen = [], set()
        for cpath, data in self.mappings(value, path, _CHOICE_KEYS):
            if "value" not in data:
                continue
            choice_value = data["value"]
            if isinstance(choice_value, bool) or not isinstance(choice_value, (str, int)):
                self.problem(f"{cpath}.value", "expected text or a whole number")
                continue
            if choice_value in seen:
                self.problem(f"{cpath}.value", f'duplicate value "{choice_value}"')
            seen.add(choice_value)
            choices.append(Choice(
                value=choice_value, label=self.text(data, "label", cpath) or str(choice_value),
                code=self.coding(data.get("code"), f"{cpath}.code"),
                exclusive=self.boolean(data, "exclusive", cpath),
            ))
        return tuple(choices)

    def build_steps(self, raw_steps: list) -> list[Step]:
        steps, step_ids, question_ids = [], set(), set()
        if not raw_steps:
            self.problem("steps", "at least one step is required")
        for path, data in self.mappings(raw_steps, "steps", _STEP_KEYS):
            steps.append(self.build_step(data, path, step_ids, question_ids))
        return steps

    def build_step(self, data: dict, path: str, step_ids: set, question_ids: set) -> Step:
        step_id = self.identifier(data, path, step_ids)
        if step_id in RESERVED_STEP_IDS:
            self.problem(f"{path}.id", f'"{step_id}" is reserved for a page of the wizard')
        raw_questions = self.items(data, "questions", path)
        if "questions" in data and not raw_questions:
            self.problem(f"{path}.questions", "a step needs at least one question")
        # A step's condition decides whether its questions are asked: it may not look at them.
        own_ids = tuple(
            q["id"] for q in raw_questions if isinstance(q, dict) and isinstance(q.get("id"), str)
        )
        enable_when = self.condition(data.get("enable_when"), f"{path}.enable_when",
                                     controls=own_ids)
        questions = []
        for q_index, raw_q in enumerate(raw_questions):
            question = self.build_question(
                raw_q, f"{path}.questions[{q_index}]", step_id, question_ids)
            if question is not None:
                questions.append(question)
        # Checked after the step's own questions are answered: it decides what follows the step.
        crisis_when = self.condition(data.get("crisis_page_when"), f"{path}.crisis_page_when",
                                     controls=())
        return Step(
            id=step_id, title=self.text(data, "title", path) or "", questions=tuple(questions),
            intro=self.text(data, "intro", path), stem=self.text(data, "stem", path),
            notice=self.text(data, "notice", path),
            instrument=self.text(data, "instrument", path),
            code=self.coding(data.get("code"), f"{path}.code"), enable_when=enable_when,
            show_crisis_resources=self.boolean(data, "show_crisis_resources", path),
            crisis_page_when=crisis_when,
            crisis_page_title=self.text(data, "crisis_page_title", path),
            stems=self.build_stems(data, path, [q.id for q in questions]),
            crisis_page_text=self.text(data, "crisis_page_text", path),
        )

    def build_stems(self, data: dict, path: str,
                    step_questions: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``stems``: each a text over a run of the step's questions, in order, none shared."""
        stems, used = [], set()
        for index, raw in enumerate(self.items(data, "stems", path)):
            where = f"{path}.stems[{index}]"
            entry = self.mapping(raw, where, {"text": True, "questions": True})
            if entry is None or "questions" not in entry:
                continue  # the mapping check has said what is missing
            text = self.text(entry, "text", where)
            ids = entry.get("questions")
            if not isinstance(ids, list) or not ids:
                self.problem(f"{where}.questions", "expected a list of question ids")
                continue
            unknown = [q for q in ids if q not in step_questions]
            if unknown:
                self.problem(f"{where}.questions", f"not questions of this step: {unknown}")
                continue
            positions = [step_questions.index(q) for q in ids]
            if positions != list(range(positions[0], positions[0] + len(ids))) or used & set(ids):
                self.problem(f"{where}.questions",
                             "expected a run of the step's questions, in order, in one stem")
                continue
            used |= set(ids)
            if text:
                stems.append((text, tuple(ids)))
        return tuple(stems)

    def build_question(
        self, raw: Any, path: str, step_id: str, seen: set[str]
    ) -> Question | None:
        data = self.mapping(raw, path, _QUESTION_KEYS)
        if data is None:
            return None
        question_id = self.identifier(data, path, seen)
        kind = data.get("kind")
        if "kind" in data and kind not in QUESTION_KINDS:
            self.problem(f"{path}.kind", f'unknown question kind "{kind}" '
                         f"(known: {', '.join(QUESTION_KINDS)})")
        choices = self.question_choices(data, kind, path)
        low, high = self.scale_range(data, kind, path)
        anchors = self.build_anchors(data.get("anchors"), f"{path}.anchors")
        # Parsed before the question is registered: a question cannot depend on itself.
        enable_when = self.condition(data.get("enable_when"), f"{path}.enable_when",
                                     controls=(question_id,))
        question = Question(
            id=question_id, kind=str(kind), text=self.text(data, "text", path) or "",
            step_id=step_id, required=self.boolean(data, "required", path, True),
            choices=choices, min=low, max=high, anchors=anchors,
            help=self.text(data, "help", path), code=self.coding(data.get("code"), f"{path}.code"),
            enable_when=enable_when, instrument=self.text(data, "instrument", path),
            added_in=self.version_text(data, "added_in", path),
        )
        self.questions.setdefault(question_id, question)
        return question

    def question_choices(self, data: dict, kind: Any, path: str) -> tuple[Choice, ...]:
        raw = data.get("choices")
        if kind == "scale":
            if raw is not None:
                self.problem(f"{path}.choices", "a scale question takes min and max, not choices")
            return ()
        if kind not in ("single", "multi"):
            return ()
        if isinstance(raw, str):
            if raw not in self.choice_sets:
                self.problem(f"{path}.choices", f'unknown choice set "{raw}"')
            return self.choice_sets.get(raw, ())
        choices = self.build_choices(raw, f"{path}.choices")
        if kind == "single" and any(c.exclusive for c in choices):
            self.problem(f"{path}.choices", "exclusive applies to multi questions only")
        return choices

    def scale_range(self, data: dict, kind: Any, path: str) -> tuple[int | None, int | None]:
        if kind != "scale":
            for key in ("min", "max"):
                if key in data:
                    self.problem(f"{path}.{key}", "only a scale question takes min and max")
            return None, None
        bounds = []
        for key in ("min", "max"):
            value = data.get(key)
            if not isinstance(value, int) or isinstance(value, bool):
                self.problem(f"{path}.{key}", "a scale question needs a whole number")
            bounds.append(value if isinstance(value, int) and not isinstance(value, bool) else None)
        low, high = bounds
        if low is not None and high is not None and not 0 < high - low <= _MAX_SCALE_SPAN:
            self.problem(path, f"min must be less than max, by at most {_MAX_SCALE_SPAN}")
            return None, None
        return low, high

    def build_anchors(self, value: Any, path: str) -> tuple[tuple[int, str], ...]:
        if value is None:
            return ()
        if not isinstance(value, dict) or not all(
            isinstance(k, int) and not isinstance(k, bool) and isinstance(v, str)
            for k, v in value.items()
        ):
            self.problem(path, "expected a mapping of whole numbers to labels")
            return ()
        return tuple(sorted((k, v.strip()) for k, v in value.items()))

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
        elif question.kind == "multi":
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
            if question is not None and not is_valid_value(answer, question.allowed_values()):
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
