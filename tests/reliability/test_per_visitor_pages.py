"""No page carries another visitor's data: several visitors in turn, on a real server with two
workers and CSRF on, each get their own tokens and each can start over (issue 13).

The start-over form used to be included ``without context``; Jinja renders such an include once
per worker and reuses it, so every later visitor got the first visitor's CSRF token and their
"Start over and delete my answers" answered "page had expired" and deleted nothing.
"""

from __future__ import annotations

import re

import pytest

from tests.kit.servers import migrated_env
from tests.kit.patient import Patient

VISITORS = 6
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
DELETED = "Your answers have been deleted"
RESTART = "/screening/restart"


def tokens(page) -> set[str]:
    return set(TOKEN.findall(page.text))


def form_to(page, path: str):
    return next((f for f in page.forms if page.resolve(f.action) == path), None)


@pytest.mark.slow
def test_visitors_in_turn_each_start_over_with_their_own_tokens(database_url, start_server,
                                                                questionnaire):
    server = start_server(migrated_env(database_url), 2)
    seen: dict[int, set[str]] = {}
    for n in range(VISITORS):
        visitor = Patient(questionnaire, {}, {}, [server.url])
        step = visitor.start(visitor.request("GET", "/"))
        assert step.status == 200 and step.path == "/screening/about", step.visible_text()
        landing = visitor.request("GET", "/")  # "Continue where you left off" or start over
        again = visitor.request("GET", "/screening/about")
        mine = tokens(step) | tokens(landing) | tokens(again)
        assert mine, "the pages carry CSRF tokens"
        for other, theirs in seen.items():
            assert not mine & theirs, f"visitor {n} was served visitor {other}'s token"
        seen[n] = mine

        # Start over, from the landing page or from a step page in turn: the link opens the page
        # that asks first (issue 24), whose form carries this visitor's own token too.
        page = landing if n % 2 else again
        assert f'href="{RESTART}"' in page.text, page.visible_text()
        confirm = visitor.request("GET", RESTART)
        form = form_to(confirm, RESTART)
        assert form is not None, confirm.visible_text()
        assert tokens(confirm) and not any(tokens(confirm) & theirs
                                           for other, theirs in seen.items() if other != n)
        after = visitor.submit(confirm, form, form.pairs())
        assert after.path == "/" and DELETED in after.text, after.visible_text()
        assert form_to(after, "/screening/start") is not None  # nothing left to continue
        assert visitor.request("GET", "/screening/about").path == "/"
    assert len(server.worker_pids()) == 2
