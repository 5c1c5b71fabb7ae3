"""Crisis links on a 390 × 844 phone: every one a big touch target, help before the start."""

from __future__ import annotations

from tests.browser.browser_pages import ARTIFACTS

PHONE_390 = {"width": 390, "height": 844}


def test_help_and_landing_links_are_big_touch_targets(live_server, browser, questionnaire):
    context = browser.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10000)
    try:
        page.goto(live_server.url + "/help")
        links = page.locator("section.crisis a")
        expected = [link.href for r in questionnaire.crisis_resources for link in r.links]
        assert [links.nth(i).get_attribute("href") for i in range(links.count())] == expected
        for i in range(links.count()):
            box = links.nth(i).bounding_box()
            assert box["width"] >= 48 and box["height"] >= 48, expected[i]
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_390["width"], expected[i]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "help-390x844.png"), full_page=True)

        page.goto(live_server.url + "/")
        note = page.locator("section.not-emergency")
        start = page.get_by_role("button", name="Start screening")
        assert note.bounding_box()["y"] + note.bounding_box()["height"] <= start.bounding_box()["y"]
        for name in ("tel:911", "tel:988"):
            link = note.locator(f"a[href='{name}']")
            box = link.bounding_box()
            assert box["height"] >= 48 and box["y"] + box["height"] <= PHONE_390["height"], name
        page.screenshot(path=str(ARTIFACTS / "landing-390x844.png"), full_page=True)
    finally:
        context.close()
