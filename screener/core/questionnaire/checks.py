"""Validation helpers for the questionnaire loader: problems with their YAML path, typed fields."""

from __future__ import annotations

from typing import Any, Iterator

from screener.core.questionnaire.types import Coding

_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_CODING_KEYS = {"system": True, "code": True, "display": False}


class Checks:
    """Collects problems (``path: message``) instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        """Record one problem at a YAML path."""
        self.problems.append(f"{path}: {message}" if path else message)

    def mapping(self, value: Any, path: str, keys: dict[str, bool]) -> dict | None:
        """``value`` if it is a mapping; unknown and missing required ``keys`` are problems."""
        if not isinstance(value, dict):
            self.problem(path or "top level", f"expected a mapping, got {type_name(value)}")
            return None
        for key in value:
            if key not in keys:
                self.problem(join(path, key), "unknown key")
        for key, required in keys.items():
            if required and key not in value:
                self.problem(join(path, key), "missing required key")
        return value

    def mappings(self, values: list, path: str,
                 keys: dict[str, bool]) -> Iterator[tuple[str, dict]]:
        """Each item of a list that is a mapping, with its path (``path[i]``); see ``mapping``."""
        for index, value in enumerate(values):
            item_path = f"{path}[{index}]"
            data = self.mapping(value, item_path, keys)
            if data is not None:
                yield item_path, data

    def text(self, data: dict, key: str, path: str, required: bool = True) -> str | None:
        """The stripped text at ``key``, or None (absence is checked by ``mapping``)."""
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(join(path, key), "expected non-empty text")
            return None
        return value.strip()

    def identifier(self, data: dict, path: str, seen: set[str] | None = None) -> str:
        """The ``id`` at ``data``: lowercase letters, digits and _, unique within ``seen``."""
        value = data.get("id")
        if not isinstance(value, str) or not value or not set(value) <= _ID_CHARS:
            if "id" in data:
                self.problem(join(path, "id"),
                             f"invalid id {value!r} (lowercase letters, digits, _)")
            return str(value)
        if seen is not None:
            if value in seen:
                self.problem(join(path, "id"), f'duplicate id "{value}"')
            seen.add(value)
        return value

    def number(self, data: dict, key: str, path: str) -> float | None:
        """The number at ``key``, or None."""
        value = data.get(key)
        if value is None:
            return None
        if not is_number(value):
            self.problem(join(path, key), f"expected a number, got {type_name(value)}")
            return None
        return value

    def whole_number(self, data: dict, key: str, path: str, default: int, minimum: int) -> int:
        """An optional whole number of at least ``minimum``."""
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(join(path, key), f"expected a whole number of at least {minimum}")
            return default
        return value

    def boolean(self, data: dict, key: str, path: str, default: bool = False) -> bool:
        """The true/false at ``key``, or ``default``."""
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(join(path, key), "expected true or false")
            return default
        return value

    def items(self, data: dict, key: str, path: str) -> list:
        """The list at ``key`` (empty when absent)."""
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(join(path, key), f"expected a list, got {type_name(value)}")
            return []
        return value

    def coding(self, value: Any, path: str) -> Coding | None:
        """A ``{system, code, display}`` coding, or None."""
        if value is None:
            return None
        data = self.mapping(value, path, _CODING_KEYS)
        if data is None or "system" not in data or "code" not in data:
            return None
        display = self.text(data, "display", path)
        return Coding(str(data["system"]), str(data["code"]), display)


def join(path: str, key: Any) -> str:
    """``path.key``, or ``key`` at the top level."""
    return f"{path}.{key}" if path else str(key)


def is_one_of(value: Any, known: set[str]) -> bool:
    """Whether ``value`` is one of the ``known`` ids (safely, for any parsed YAML value)."""
    return isinstance(value, str) and value in known


def is_number(value: Any) -> bool:
    """An int or float, but not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)




def spelling_hint(value: Any, allowed: tuple) -> str:
    """' (write it as "2")' when the value only differs from a valid one in its YAML type."""
    for candidate in allowed:
        if str(candidate) == str(value):
            spelled = f'"{candidate}"' if isinstance(candidate, str) else str(candidate)
            return f" (write it as {spelled})"
    return ""


def type_name(value: Any) -> str:
    """How a parsed YAML value is named in problems."""
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )
