"""Just enough HTML reading to drive the app like a browser: forms, their fields, links.

The benchmark reads forms from the page (hidden inputs, radio and checkbox names, buttons)
instead of assuming markup, so it keeps working when the templates change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # hidden, radio, checkbox, text, email, tel, textarea, select, ...
    value: str = ""
    checked: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, text

    def names(self) -> set[str]:
        """Every field name in the form."""
        return {f.name for f in self.fields}

    def hidden(self) -> list[tuple[str, str]]:
        """Hidden inputs as (name, value) pairs, CSRF token included."""
        return [(f.name, f.value) for f in self.fields if f.kind == "hidden"]

    def options(self, name: str) -> list[str]:
        """The values offered for a radio, checkbox or select field."""
        return [f.value for f in self.fields if f.name == name and f.kind != "hidden"]

    def forward_button(self) -> list[tuple[str, str]]:
        """The (name, value) of the button that moves forward; [] when it carries no name."""
        named = [(n, v, t) for n, v, t in self.buttons if n]
        forward = [(n, v) for n, v, t in named if not _BACK.search(f"{v} {t}")]
        return forward[:1]


_BACK = re.compile(r"\b(back|previous|start over|restart|delete)\b", re.I)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.rel: dict[str, str] = {}  # rel="next" → href
        self.attrs: dict[str, str] = {}  # attributes of <main>
        self._button: list | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        form = self.forms[-1] if self.forms else None
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
            if a.get("rel"):
                self.rel.setdefault(a["rel"], a["href"])
        elif tag == "main":
            self.attrs = a
        elif form is None:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "submit":
                form.buttons.append((a.get("name", ""), a.get("value", ""), ""))
            elif a.get("name"):
                form.fields.append(Field(a["name"], kind, a.get("value", ""), "checked" in a))
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._button = [a.get("name", ""), a.get("value", ""), ""]
        elif tag == "textarea" and a.get("name"):
            form.fields.append(Field(a["name"], "textarea"))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            form.fields.append(Field(self._select, "select", a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._button is not None:
            self._button[2] += data

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None and self.forms:
            self.forms[-1].buttons.append(tuple(s.strip() for s in self._button))
            self._button = None
        elif tag == "select":
            self._select = None


@dataclass
class Page:
    forms: list[Form]
    links: list[str]
    main: dict[str, str]
    rel: dict[str, str]

    def form_posting_to(self, path: str, fallback_names: set[str] = frozenset()) -> Form | None:
        """The POST form whose action is ``path`` (or, failing that, one with these fields)."""
        posts = [f for f in self.forms if f.method == "post"]
        for form in posts:
            if form.action.split("?")[0] == path:
                return form
        for form in posts:
            if fallback_names and form.names() & fallback_names:
                return form
        return None


def parse(html: str) -> Page:
    """The forms, links and <main> attributes of a page."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return Page(parser.forms, parser.links, parser.attrs, parser.rel)
