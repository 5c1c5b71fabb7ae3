"""The page checks themselves: each one fails on a page made to break it (no server needed)."""

from __future__ import annotations

import pytest

from tests.browser.browser_pages import check_accessibility
from tests.browser.keyboard import press
from tests.browser.browser_pages import assert_focus_visible, pdf_page_count

BROKEN = """<!doctype html><html><head><title>Broken</title></head><body>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<input type="text"><p style="color:#bbb;background:#fff">faint text</p></body></html>"""


def test_axe_reports_violations(page, axe_source):
    page.set_content(BROKEN)
    found = {violation["id"] for violation in check_accessibility(page, axe_source)}
    assert {"html-has-lang", "image-alt", "label", "color-contrast"} <= found


def test_focus_check_catches_a_hidden_outline(page):
    page.set_content('<html lang="en"><title>x</title><style>button:focus{outline:none}</style>'
                     "<main><button>Go</button></main></html>")
    page.keyboard.press("Tab")
    with pytest.raises(AssertionError, match="focus is not visible"):
        assert_focus_visible(page)


def test_focus_check_passes_a_visible_outline(page):
    page.set_content('<html lang="en"><title>x</title><style>:focus-visible{outline:3px solid}'
                     "</style><main><button>Go</button></main></html>")
    assert press(page, "Tab")["tag"] == "button"


def test_pdf_page_count(page):
    page.set_content('<html lang="en"><title>x</title><p>one</p>'
                     '<p style="break-before:page">two</p><p style="break-before:page">three</p>')
    assert pdf_page_count(page.pdf(format="A4")) == 3
