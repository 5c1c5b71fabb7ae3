"""Load ``questions.yaml`` (and its translations) and validate it into a Questionnaire.

Every problem found is reported at once, each with the YAML path where it stands
(``steps[2].questions[4].choices[1].value: ...``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import yaml

from screener.core.questionnaire.builder import Builder
from screener.core.questionnaire.document import Questionnaire
from screener.core.questionnaire.translations import (Translation, TranslationReader, localize,
                                                      sibling_path)
from screener.core.questionnaire.types import QuestionnaireError


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
    # Every view holds the same read-only mapping of every view, filled once they are built: a
    # request asks for its language without parsing or copying anything.
    views: dict[str, Questionnaire] = {}
    english = q.changed(translations=MappingProxyType(found), views=MappingProxyType(views))
    views["en"] = english
    views.update((language, localize(english, tr)) for language, tr in found.items())
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
