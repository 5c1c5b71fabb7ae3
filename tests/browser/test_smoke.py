"""The browser harness itself: a real server, Chromium, axe-core."""

from tests.browser.browser_pages import check_accessibility


def test_landing_page_in_chromium(live_server, page, axe_source, artifacts):
    page.goto(live_server.url + "/")
    assert page.locator("h1").count() == 1
    assert page.get_by_role("link", name="Get help now").first.is_visible()
    page.screenshot(path=str(artifacts / "landing-desktop.png"), full_page=True)
    assert check_accessibility(page, axe_source) == []


def test_help_page_in_chromium(live_server, page, axe_source):
    page.goto(live_server.url + "/help")
    assert "988" in page.inner_text("main")
    assert check_accessibility(page, axe_source) == []
