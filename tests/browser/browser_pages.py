"""What the browser journeys check on every page: axe-core, focus, screenshots, printed pages."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tests.browser.browser_server import ARTIFACTS, PROJECT_ROOT

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}
SIZES = {"phone": PHONE, "desktop": DESKTOP}

# Every page checked by axe in this session, with its violations (written to test-artifacts/).
AUDITED: dict[str, list[dict]] = {}

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
          text: (el.innerText || el.value || '').trim().slice(0, 60),
          outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
          top: box.top, bottom: box.bottom, left: box.left, right: box.right,
          width: box.width, height: box.height,
          viewportWidth: innerWidth, viewportHeight: innerHeight};
}"""


def check_accessibility(page, axe_source: str) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA) on the page; return the violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # evaluated through the DevTools protocol: CSP does not apply
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def assert_accessible(page, axe_source: str, name: str) -> None:
    """axe-core finds no WCAG 2.0/2.1 A or AA violation on the page as it is now."""
    violations = check_accessibility(page, axe_source)
    AUDITED[name] = violations
    assert violations == [], f"{name} ({page.url}): {json.dumps(violations, indent=1)}"


def write_audit_report() -> Path | None:
    """Save which pages axe checked (and what it found) for a reviewer."""
    if not AUDITED:
        return None
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "accessibility.json"
    path.write_text(json.dumps({"pages": len(AUDITED), "results": AUDITED}, indent=1,
                               sort_keys=True))
    return path


def snap(page, name: str, sizes: tuple[str, ...] = ("phone", "desktop")) -> list[Path]:
    """Full-page screenshots of the current page at each size, into test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    original = page.viewport_size
    paths = []
    for size in sizes:
        page.set_viewport_size(SIZES[size])
        path = ARTIFACTS / f"{name}-{size}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(original)
    return paths


def document_screenshot(page, name: str, down_to: str) -> Path | None:
    """With SCREENER_DOC_SCREENSHOTS=1, a phone screenshot for the README (docs/screenshots/),
    from the top of the page to the bottom of ``down_to`` (no timestamps below it)."""
    if os.environ.get("SCREENER_DOC_SCREENSHOTS") != "1":
        return None
    original = page.viewport_size
    page.set_viewport_size(PHONE)
    box = page.locator(down_to).bounding_box()
    path = PROJECT_ROOT / "docs" / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True,
                    clip={"x": 0, "y": 0, "width": PHONE["width"],
                          "height": box["y"] + box["height"] + 16})
    page.set_viewport_size(original)
    return path


def focused(page) -> dict | None:
    """The focused element's identity, outline and position (None when nothing is focused)."""
    return page.evaluate(FOCUS_STYLE)


def assert_focus_visible(page) -> dict:
    """The focused element shows an outline and is on screen (WCAG 2.4.7 Focus Visible)."""
    info = focused(page)
    assert info is not None, f"focus was lost on {page.url}"
    if info["tag"] == "main":  # the skip link's target: not a control, focus only moves there
        return info
    assert info["outlineStyle"] != "none" and info["outlineWidth"] >= 2, (
        f"focus is not visible on {page.url}: {info}")
    on_screen = (info["bottom"] > 0 and info["top"] < info["viewportHeight"]
                 and info["right"] > 0 and info["left"] < info["viewportWidth"])
    assert on_screen, f"the focused element is off screen on {page.url}: {info}"
    return info


def snap_print(page, name: str) -> Path:
    """A screenshot of the page as printed (print stylesheet, Letter text width) for review."""
    ARTIFACTS.mkdir(exist_ok=True)
    original = page.viewport_size
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 710, "height": 900})
    path = ARTIFACTS / f"{name}-print.png"
    page.screenshot(path=str(path), full_page=True)
    page.emulate_media(media="null")  # back to no emulation: page.pdf() prints with print media
    page.set_viewport_size(original)
    return path


def pdf_page_count(pdf: bytes) -> int:
    """Pages in a PDF written by Chromium (each page object is ``/Type /Page``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def print_to_pdf(page, name: str, paper: str = "Letter") -> bytes:
    """The page printed by Chromium (print stylesheet), also saved to test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{paper.lower()}.pdf"
    return page.pdf(path=str(path), format=paper, print_background=True)


def assert_accessible_without_script(browser, page, axe_source: str, name: str) -> None:
    """axe on a page of a no-JavaScript context (axe needs script): the same HTML, styles and
    address in a scripting page whose own scripts are blocked, so the DOM stays as served."""
    html, url = page.content(), page.url
    context = browser.new_context(viewport=page.viewport_size)
    try:
        twin = context.new_page()
        twin.route("**/*.js", lambda route: route.abort())
        twin.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        twin.goto(url)
        assert_accessible(twin, axe_source, name)
    finally:
        context.close()
