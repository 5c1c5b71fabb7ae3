"""Moving through the queue: the view a detail page carries back, and "Next" (issue 25).

A detail page carries the queue view it was opened from (filters and page) and the nurse's place
in it then (``at``, a cursor, and ``seen``, the time): "Next" follows the order as the nurse saw
it, not the case's new place after "Mark contacted" (contacted cases leave the urgent group), and
a most urgent submission that arrived since comes first (DECISIONS.md, "Staff pages").
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode

from flask import url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from screener.extensions import db
from screener.storage.filters import FilterError
from screener.storage.queue import (QUEUE_STATUS, Cursor, fetch_page, newly_arrived,
                                    searched_queue_query)
from screener.web.questionnaires import current_questionnaire
from screener.web.clock import clinic_zone
from screener.web.filter_args import screening_filters

# The queue's query-string keys a detail page carries to come back to the same view.
VIEW_KEYS = ("q", "status", "outcome", "flag", "assigned", "from", "to", "after", "before")
# Where the nurse stood in that view when opening the case (a cursor) and when (epoch seconds):
# "Next" follows the order as it was then, not the case's new place after "Mark contacted".
PLACE_KEYS = ("at", "seen")
MAX_VIEW = 1000


def queue_view(text: str | None) -> str:
    """The queue view (filters, page, place) as a query string, reduced to the queue's own keys."""
    pairs = [(k, v) for k, v in parse_qsl((text or "")[:MAX_VIEW])
             if k in VIEW_KEYS + PLACE_KEYS and v]
    return urlencode(pairs)


def without_place(view: str) -> str:
    """The view without the place in it: the queue's own query string."""
    return urlencode([(k, v) for k, v in parse_qsl(view) if k not in PLACE_KEYS])


def opened_at(view: str, screening, seen: int) -> str:
    """The view a case is opened with: the queue's filters plus this row's place and the time."""
    pairs = parse_qsl(without_place(view)) + [("at", Cursor.of(screening).encode()),
                                              ("seen", str(seen))]
    return urlencode(pairs)


def next_in_view(screening, view: str) -> str | None:
    """The link to the submission after this one in the queue view it was opened from, in the
    order as it was when the case was opened (``at``): a case marked contacted leaves the urgent
    group, but the urgent ones after it still come next. A most urgent submission that arrived
    since (``seen``) comes first. None at the end, or when the view no longer parses."""
    args = MultiDict(parse_qsl(view))
    try:
        filters = screening_filters(args, current_questionnaire(),
                                    user_id=current_user.id, default_status=QUEUE_STATUS,
                                    zone=clinic_zone())
        query = searched_queue_query(db.session, filters)
        place = Cursor.decode(args["at"]) if args.get("at") else Cursor.of(screening)
        fresh = newly_arrived(db.session, query, _seen(args.get("seen")), screening.id)
        if fresh is not None:  # the nurse's place stays where it was, for after this one
            target, place_of_target = fresh, place
        else:
            rows = fetch_page(db.session, query, after=place.encode(), size=2).rows
            rows = [row for row in rows if row.id != screening.id]
            if not rows:
                return None
            target, place_of_target = rows[0], Cursor.of(rows[0])
    except FilterError:
        return None
    pairs = parse_qsl(without_place(view)) + [("at", place_of_target.encode()),
                                              ("seen", str(int(time.time())))]
    return url_for("staff.detail", screening_id=target.id, view=urlencode(pairs))


def _seen(text: str | None) -> datetime | None:
    """The ``seen`` time of a view (epoch seconds), or None when absent or not a number."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    return datetime.fromtimestamp(int(text), timezone.utc)
