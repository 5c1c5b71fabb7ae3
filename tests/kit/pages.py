"""Read what a browser would from an HTML page: forms, their fields and buttons, links, <main>,
and for tests any element by tag and attributes (``Page.find`` / ``find_all``) with its text.

No assumption about markup beyond standard HTML, so whoever drives the app with it (the virtual
patient, the hostile-input tests, the benchmarks) follows the pages as served.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

BACKWARDS = re.compile(r"\b(back|previous|start over|start again|restart|change|edit|"
                       r"clear|delete|print|leave|exit|log ?out)\b", re.I)
CHOICES = ("radio", "checkbox")  # selected <option>s become checked boxes once parsed


@dataclass
class Field:
    tag: str
    name: str
    type: str = "text"
    value: str = ""
    checked: bool = False


@dataclass
class Button:
    name: str | None
    value: str
    text: str = ""
    formaction: str | None = None

    @property
    def label(self) -> str:
        return (self.text or self.value or "").strip()


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    @property
    def names(self) -> set[str]:
        return {f.name for f in self.fields}

    def pairs(self, skip: set[str] = frozenset()) -> list[tuple[str, str]]:
        """What the browser sends untouched: hidden and text values, checked boxes, selections."""
        out = []
        for f in self.fields:
            if f.name in skip or f.type in ("submit", "button", "image", "reset", "file"):
                continue
            if f.type in CHOICES and not f.checked:
                continue
            out.append((f.name, f.value))
        return out

    def hidden(self) -> list[tuple[str, str]]:
        """Hidden inputs as (name, value) pairs, CSRF token included."""
        return [(f.name, f.value) for f in self.fields if f.type == "hidden"]

    def options(self, name: str) -> list[str] | None:
        """The values offered for radio, checkbox or select field ``name``; None for others."""
        offered = [f.value for f in self.fields if f.name == name and f.type in CHOICES]
        return offered or None

    def value_for(self, name: str, default: str = "y") -> str:
        """The value attribute of the (first) field ``name`` — e.g. a checkbox's "y"."""
        return next((f.value for f in self.fields if f.name == name and f.value), default)

    def forward_button(self) -> Button | None:
        """The submit button that moves on (never Back, Change or Start over)."""
        return next((b for b in self.buttons if not BACKWARDS.search(b.label or "")), None)

    def press(self) -> list[tuple[str, str]]:
        """The (name, value) the forward button adds to the body; [] when it has no name."""
        button = self.forward_button()
        return [(button.name, button.value)] if button is not None and button.name else []


@dataclass
class Link:
    href: str
    text: str
    rel: str = ""


@dataclass
class Page:
    status: int
    url: str
    headers: dict
    text: str
    forms: list[Form] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    main: dict = field(default_factory=dict)
    h1: str = ""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def rel(self) -> dict[str, str]:
        """Link relations (``rel="next"``) to their first href."""
        found: dict[str, str] = {}
        for link in self.links:
            if link.rel:
                found.setdefault(link.rel, link.href)
        return found

    def resolve(self, target: str | None) -> str:
        """``target`` (an href or form action) as a path plus query on this site."""
        parts = urlsplit(urljoin(self.url, target or ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def form_posting_to(self, path: str, fallback_names: set[str] = frozenset()) -> Form | None:
        """The POST form whose action is ``path`` (or, failing that, one with these fields)."""
        posts = [f for f in self.forms if f.method == "post"]
        for form in posts:
            if self.resolve(form.action).split("?")[0] == path:
                return form
        return next((f for f in posts if f.names & fallback_names), None)

    @cached_property
    def elements(self) -> list["Element"]:
        """Every element in document order (parsed on first use: the virtual patient never
        needs them)."""
        parser = _ElementParser()
        parser.feed(self.text)
        parser.close()
        return parser.elements

    def find_all(self, tag: str | None = None, **attrs: str | bool) -> list["Element"]:
        """Elements with this tag (any when None) and attributes; see ``Element.matches``."""
        return [e for e in self.elements if e.matches(tag, **attrs)]

    def find(self, tag: str | None = None, **attrs: str | bool) -> "Element":
        """The first such element; AssertionError (naming what was sought) when there is none."""
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag or '*'} {attrs}> on {self.path}"
        return found[0]

    def visible_text(self, limit: int = 600) -> str:
        """The page's words, for failure messages."""
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", self.text, flags=re.S | re.I)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()[:limit]


class _Parser(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.form: Form | None = None
        self.capture: list | None = None
        self.capturing: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.page.forms.append(self.form)
        elif tag == "main":
            self.page.main = a
        elif tag == "a" and "href" in a:
            self.page.links.append(Link(a["href"], "", a.get("rel", "")))
            self._start_capture("a")
        elif tag == "h1":
            self._start_capture("h1")
        elif self.form is not None:
            self._form_tag(tag, a)

    def _form_tag(self, tag, a):
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self.form.buttons.append(Button(a["name"], a.get("value", ""), a.get("value", ""),
                                                a.get("formaction")))
            else:
                default = "on" if kind in CHOICES else ""
                self.form.fields.append(Field("input", a["name"], kind, a.get("value", default),
                                              "checked" in a))
        elif tag == "input" and a.get("type", "").lower() == "submit":
            self.form.buttons.append(Button(None, a.get("value", ""), a.get("value", ""),
                                            a.get("formaction")))
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self.form.buttons.append(Button(a.get("name") or None, a.get("value", ""), "",
                                            a.get("formaction")))
            self._start_capture("button")
        elif tag == "textarea" and a.get("name"):
            self.form.fields.append(Field("textarea", a["name"]))
            self._start_capture("textarea")
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select:
            self.form.fields.append(Field("select", self.select, "select", a.get("value", ""),
                                          "selected" in a))

    def _start_capture(self, what):
        self.capturing, self.capture = what, []

    def handle_data(self, data):
        if self.capture is not None:
            self.capture.append(data)

    def handle_endtag(self, tag):
        if tag == self.capturing and self.capture is not None:
            text = " ".join("".join(self.capture).split())
            if tag == "a":
                self.page.links[-1].text = text
            elif tag == "h1":
                self.page.h1 = text
            elif tag == "button":
                self.form.buttons[-1].text = text
            elif tag == "textarea":
                self.form.fields[-1].value = "".join(self.capture)
            self.capture = self.capturing = None
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
            self._select_default()

    def _select_default(self):
        # A browser sends the first option of a single select when none is marked selected.
        options = [f for f in self.form.fields if f.type == "select"] if self.form else []
        by_name = {}
        for option in options:
            by_name.setdefault(option.name, []).append(option)
        for group in by_name.values():
            if not any(o.checked for o in group):
                group[0].checked = True


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Element:
    """An element as parsed: its tag, attributes (entities decoded) and its text (entities
    decoded, whitespace collapsed, the text of every descendant included)."""

    tag: str
    attrs: dict[str, str]
    parts: list[str] = field(default_factory=list, repr=False)
    children: list["Element"] = field(default_factory=list, repr=False)
    own_parts: list[str] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    @property
    def own_text(self) -> str:
        """Its text outside its child elements (``<p>Stem <span>mark</span></p>``: "Stem"),
        entities decoded, whitespace collapsed."""
        return " ".join("".join(self.own_parts).split())

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def matches(self, tag: str | None = None, **attrs: str | bool) -> bool:
        """``tag`` matches when None or equal; ``class_="x"`` when x is one of its classes;
        another attribute (``data_question`` for ``data-question``) when equal, or with True
        when present, False when absent."""
        if tag is not None and self.tag != tag:
            return False
        for name, wanted in attrs.items():
            name = name.rstrip("_").replace("_", "-")
            value = self.attrs.get(name)
            if wanted is True or wanted is False:
                if (value is not None) != wanted:
                    return False
            elif name == "class":
                if wanted not in (value or "").split():
                    return False
            elif value != wanted:
                return False
        return True

    def find_all(self, tag: str | None = None, **attrs: str | bool) -> list["Element"]:
        """Descendants with this tag and attributes, in document order."""
        found = []
        for child in self.children:
            if child.matches(tag, **attrs):
                found.append(child)
            found.extend(child.find_all(tag, **attrs))
        return found

    def find(self, tag: str | None = None, **attrs: str | bool) -> "Element":
        """The first such descendant; AssertionError when there is none."""
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag or '*'} {attrs}> inside <{self.tag} {self.attrs}>"
        return found[0]


class _ElementParser(HTMLParser):
    """Every element with its attributes, children and text (what ``Page.find`` searches)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: (v if v is not None else "") for k, v in attrs})
        if self.open:
            self.open[-1].children.append(element)
        self.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_data(self, data):
        for element in self.open:
            element.parts.append(data)
        if self.open:
            self.open[-1].own_parts.append(data)

    def handle_endtag(self, tag):
        # Close up to the nearest open element of this tag (HTML lets some end tags go unsaid).
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return


def parse(text: str, url: str = "http://localhost/", status: int = 200,
          headers: dict | None = None) -> Page:
    """A Page with its forms, links, <main> attributes and <h1> (HTML only: by content type)."""
    headers = headers if headers is not None else {"content-type": "text/html"}
    page = Page(status, url, headers, text)
    if "html" in headers.get("content-type", "text/html"):
        parser = _Parser(page)
        parser.feed(text)
        parser.close()
    for form in page.forms:
        for f in form.fields:
            if f.type == "select":
                f.type = "checkbox"  # selected options behave like checked boxes from here on
    return page
