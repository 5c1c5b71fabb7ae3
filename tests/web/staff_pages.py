"""What the staff pages show, read through the kit's HTML parser (never regexes over HTML)."""

from __future__ import annotations

from tests.kit.pages import parse


def names_in(page: str) -> list[str]:
    """The patient names in the queue table, top to bottom."""
    return [link.text for row in parse(page).find_all("th", scope="row")
            for link in row.find_all("a") if link.get("href", "").startswith("/staff/submissions/")]


def urgent_shown(page: str) -> int:
    """The header's "N urgent waiting" count."""
    link = parse(page).find("a", class_="urgent-count")
    assert link.text.endswith(" urgent waiting"), link.text
    return int(link.find("span", class_="urgent-number").text)
