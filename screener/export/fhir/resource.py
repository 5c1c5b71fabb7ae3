"""The questionnaire as a FHIR R4 Questionnaire resource, built as plain JSON-ready dicts.

Pure: imports neither Flask nor SQLAlchemy. Steps become groups (linkId = step id), questions
become items (linkId = question id). Skip logic maps to ``enableWhen``; a condition FHIR R4 cannot
express (a score test, or an ``any`` nested in an ``all``) is listed by ``unmapped_conditions``.
"""

from __future__ import annotations

from typing import Any, Iterator

from screener.core.questionnaire import (
    AllOf, AnyOf, Coding, Comparison, Condition, Question, Questionnaire, Step,
)

FHIR_JSON = "application/fhir+json"
FHIR_NDJSON = "application/fhir+ndjson"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
ENTRY_FORMAT = "http://hl7.org/fhir/StructureDefinition/entryFormat"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
_ORDERED = {">": float.__gt__, "<": float.__lt__, ">=": float.__ge__, "<=": float.__le__}


def canonical_url(q: Questionnaire) -> str:
    """The questionnaire's canonical URL (from questions.yaml; a URN when it has none)."""
    return q.url or f"urn:screener:{q.id}"


def canonical(q: Questionnaire) -> str:
    """``url|version``: what a QuestionnaireResponse points at."""
    return f"{canonical_url(q)}|{q.version}"


def answer_system(q: Questionnaire, question: Question) -> str:
    """The code system of a question's choices that have no standard code (one per question,
    so that "0" of one question never means the same as "0" of another)."""
    return f"{canonical_url(q)}/answers/{question.id}"


def coding(code: Coding) -> dict[str, str]:
    """A FHIR Coding."""
    result = {"system": code.system, "code": code.code}
    if code.display:
        result["display"] = code.display
    return result


def answer_codings(q: Questionnaire, question: Question) -> dict[Any, dict[str, str]]:
    """Each choice value of a choice question mapped to its Coding (LOINC where the YAML has it)."""
    return {
        choice.value: coding(choice.code) if choice.code else
        {"system": answer_system(q, question), "code": str(choice.value), "display": choice.label}
        for choice in question.choices
    }


def questionnaire_resource(q: Questionnaire) -> dict[str, Any]:
    """The FHIR R4 Questionnaire for ``q``, in its language, with every other language's words
    as translation extensions (``_text``, ``_title``...: same items, other words)."""
    resource = _resource(q)
    for language in q.languages:
        if language != q.language:
            other = q.localized(language)
            _translate(resource, _resource(other), language)
            _translate_choices(resource, other, language)
    return resource


def _translate(base: dict[str, Any], other: dict[str, Any], language: str) -> None:
    """Add ``other``'s differing texts to ``base`` (the same shape) as translation extensions."""
    for key in ("title", "copyright", "text"):
        if key in base and other.get(key) != base[key]:
            _add_translation(base, key, other[key], language)
    for mine, theirs in zip(base.get("item", []), other.get("item", [])):
        _translate(mine, theirs, language)


def _translate_choices(resource: dict[str, Any], other: Questionnaire, language: str) -> None:
    """Each choice's label in ``other``'s language on its Coding's ``_display``: what the
    patient read, also for a LOINC answer whose display is LOINC's. A Coding still matches by
    system and code (responses, enableWhen): the extension changes neither."""
    for group in resource["item"]:
        for item in group["item"]:
            question = other.questions.get(item["linkId"])
            for option, choice in zip(item.get("answerOption", ()), question.choices
                                      if question else ()):
                if choice.label != option["valueCoding"].get("display"):
                    _add_translation(option["valueCoding"], "display", choice.label, language)


def _add_translation(element: dict[str, Any], key: str, text: str, language: str) -> None:
    """``element[key]``'s text in ``language``, as FHIR's translation extension on ``_key``."""
    element.setdefault(f"_{key}", {}).setdefault("extension", []).append(
        {"url": TRANSLATION, "extension": [{"url": "lang", "valueCode": language},
                                           {"url": "content", "valueString": text}]})


def _resource(q: Questionnaire) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire", "id": q.id, "language": q.language,
        "url": canonical_url(q),
        "version": q.version, "name": _computable_name(q.id), "title": q.title,
        "status": "active", "subjectType": ["Patient"],
    }
    if q.publisher:
        resource["publisher"] = q.publisher
    if q.copyright:
        resource["copyright"] = q.copyright
    ordinals = _ordinals(q)
    resource["item"] = [_group(q, step, ordinals) for step in q.steps]
    return resource


def unmapped_conditions(q: Questionnaire) -> list[str]:
    """Where skip logic has no enableWhen equivalent (the item would always be shown)."""
    found = []
    for step in q.steps:
        if step.enable_when is not None and enable_when(q, step.enable_when) is None:
            found.append(f"steps.{step.id}.enable_when")
        for question in step.questions:
            if question.enable_when is not None and enable_when(q, question.enable_when) is None:
                found.append(f"steps.{step.id}.questions.{question.id}.enable_when")
    return found


def enable_when(q: Questionnaire, condition: Condition) -> dict[str, Any] | None:
    """``{"enableWhen": [...], "enableBehavior": ...}`` for a condition, or None if unmappable."""
    condition = _simplify(condition)
    if isinstance(condition, Comparison):
        entries = _entries(q, condition)
        behavior = "any"
    else:
        behavior = "all" if isinstance(condition, AllOf) else "any"
        entries = []
        for part in _flatten(condition):
            part_entries = _entries(q, part) if isinstance(part, Comparison) else None
            if part_entries is None or (behavior == "all" and len(part_entries) != 1):
                return None
            entries += part_entries
    if not entries:
        return None
    result: dict[str, Any] = {"enableWhen": entries}
    if len(entries) > 1:
        result["enableBehavior"] = behavior
    return result


def _group(q: Questionnaire, step: Step, ordinals: dict) -> dict[str, Any]:
    group: dict[str, Any] = {"linkId": step.id, "type": "group", "text": step.title}
    if step.code:
        group["code"] = [coding(step.code)]
    if step.enable_when is not None:
        group.update(enable_when(q, step.enable_when) or {})
    items = [_display(f"{step.id}.{name}", text) for name, text in _step_texts(q, step) if text]
    items += [_question(q, question, ordinals.get(question.id)) for question in step.questions]
    group["item"] = items
    return group


def _step_texts(q: Questionnaire, step: Step) -> Iterator[tuple[str, str | None]]:
    """The texts a step shows before its questions, crisis resources first."""
    if step.show_crisis_resources:
        lines = [q.crisis_title] + [resource.text for resource in q.crisis_resources]
        yield "crisis_resources", "\n".join(lines)
    yield "intro", step.intro
    yield "stem", step.stem
    yield "notice", step.notice


def _question(q: Questionnaire, question: Question, ordinal) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": question.id, "text": question.text,
                            "required": question.required}
    if question.code:
        item["code"] = [coding(question.code)]
    spec = question.kind_spec
    item["type"] = spec.fhir_type
    if not spec.from_choices:
        item["extension"] = [{"url": MIN_VALUE, "valueInteger": question.min},
                             {"url": MAX_VALUE, "valueInteger": question.max}]
        if question.anchors:
            anchors = " … ".join(f"{value} = {label}" for value, label in question.anchors)
            item["extension"].append({"url": ENTRY_FORMAT, "valueString": anchors})
    else:
        if spec.multiple:
            item["repeats"] = True
        item["answerOption"] = _options(q, question, ordinal)
    if question.enable_when is not None:
        item.update(enable_when(q, question.enable_when) or {})
    if question.help:
        help_item = _display(f"{question.id}.help", question.help)
        help_item["extension"] = [{"url": ITEM_CONTROL, "valueCodeableConcept": {"coding": [
            {"system": ITEM_CONTROL_SYSTEM, "code": "help", "display": "Help-Button"}]}}]
        item["item"] = [help_item]
    return item


def _options(q: Questionnaire, question: Question, ordinal) -> list[dict[str, Any]]:
    codings = answer_codings(q, question)
    options = []
    for choice in question.choices:
        option: dict[str, Any] = {"valueCoding": codings[choice.value]}
        extensions = []
        if ordinal is not None:
            extensions.append({"url": ORDINAL_VALUE, "valueDecimal": ordinal(choice.value)})
        if choice.exclusive:
            extensions.append({"url": OPTION_EXCLUSIVE, "valueBoolean": True})
        if extensions:
            option["extension"] = extensions
        options.append(option)
    return options


def _ordinals(q: Questionnaire) -> dict[str, Any]:
    """For each scored question, how an answer weighs in its score (the YAML's scoring)."""
    weights: dict[str, Any] = {}
    for score in q.scores:
        for item in score.items:
            if score.method == "count":
                weights[item] = lambda value, hit=score.count_answer: 1 if value == hit else 0
            else:
                weights[item] = lambda value: value
    return weights


def _entries(q: Questionnaire, comparison: Comparison) -> list[dict[str, Any]] | None:
    """enableWhen entries for one comparison (several mean "any of"); None when unmappable."""
    question = q.questions.get(comparison.ref)
    if comparison.source != "question" or question is None:
        return None
    entry: dict[str, Any] = {"question": question.id, "operator": comparison.operator}
    if comparison.operator == "exists":
        entry["answerBoolean"] = True if comparison.answer is None else bool(comparison.answer)
        return [entry]
    if not question.kind_spec.from_choices:
        entry["answerInteger"] = comparison.answer
        return [entry]
    codings = answer_codings(q, question)
    if comparison.operator in ("=", "!="):
        if comparison.answer not in codings:
            return None
        entry["answerCoding"] = codings[comparison.answer]
        return [entry]
    # Codings have no order in FHIR: "phq9_9 >= 1" becomes "= 1 or = 2 or = 3".
    test = _ORDERED[comparison.operator]
    return [
        {"question": question.id, "operator": "=", "answerCoding": codings[value]}
        for value in codings
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        and test(float(value), float(comparison.answer))
    ]


def _simplify(condition: Condition) -> Condition:
    """A group of one condition is that condition."""
    while not isinstance(condition, Comparison) and len(condition.conditions) == 1:
        condition = condition.conditions[0]
    return condition


def _flatten(group: AllOf | AnyOf) -> Iterator[Condition]:
    """The parts of ``group``, with nested groups of the same kind merged in."""
    for part in group.conditions:
        part = _simplify(part)
        if type(part) is type(group):
            yield from _flatten(part)
        else:
            yield part


def _display(link_id: str, text: str) -> dict[str, Any]:
    return {"linkId": link_id, "type": "display", "text": text}


def _computable_name(identifier: str) -> str:
    """``ketamine-screening`` → ``KetamineScreening`` (FHIR's machine-friendly name)."""
    parts = identifier.replace("_", "-").split("-")
    return "".join(part[:1].upper() + part[1:] for part in parts if part) or "Questionnaire"
