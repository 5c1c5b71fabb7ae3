"""The one filter vocabulary (``ScreeningFilters``, ``Period``, ``parse_day``) on its own:
parsing, the round trip through query-string arguments, words, and the bounded day parser."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from werkzeug.datastructures import MultiDict

from screener.storage.filters import (EARLIEST_DAY, LATEST_DAY, OPEN, NOT_CLOSED, FilterError,
                                      Period, ScreeningFilters)
from screener.web.filter_args import parse_day, period_from_args, screening_filters
from screener.storage.models import Screening


def parse(questionnaire, pairs, **options) -> ScreeningFilters:
    return screening_filters(MultiDict(pairs), questionnaire, **options)


def test_no_arguments_narrow_nothing_unless_a_default_status_is_given(questionnaire):
    assert parse(questionnaire, []) == ScreeningFilters()
    assert parse(questionnaire, [], default_status=OPEN).statuses == NOT_CLOSED


@pytest.mark.parametrize("pairs, default, args", [
    ([], OPEN, {}),
    ([("status", "all")], OPEN, {"status": "all"}),
    ([("status", "open")], "all", {"status": "open"}),
    ([("status", "closed,new")], OPEN, {"status": "new,closed"}),
    ([("outcome", "crisis"), ("outcome", "safety_review"), ("flag", "self_harm")], "all",
     {"outcome": "crisis,safety_review", "flag": "self_harm"}),
    ([("from", "2026-01-01"), ("to", " 2026-01-31 "), ("q", "  Ana   Silva ")], "all",
     {"from": "2026-01-01", "to": "2026-01-31", "q": "Ana Silva"}),
    ([("assigned", "me"), ("from", ""), ("to", "")], "all", {"assigned": "me"}),
])
def test_to_args_gives_back_the_same_filters(questionnaire, pairs, default, args):
    filters = parse(questionnaire, pairs, user_id=7, default_status=default)
    assert filters.to_args(default_status=default) == args
    again = parse(questionnaire, list(args.items()), user_id=7, default_status=default)
    assert again == filters


def test_assigned_to_me_needs_a_user(questionnaire):
    assert parse(questionnaire, [("assigned", "me")], user_id=3).assignee_id == 3
    with pytest.raises(FilterError, match="assigned: 'me' needs a logged-in staff member"):
        parse(questionnaire, [("assigned", "me")])


def test_in_words_names_what_narrows_the_view_but_never_the_search_text(questionnaire):
    filters = parse(questionnaire, [("outcome", "crisis,safety_review"), ("status", "open"),
                                    ("flag", "urgent_now"), ("from", "2026-01-01"),
                                    ("assigned", "none"), ("q", "Ana")])
    assert filters.in_words() == ("outcome crisis or safety review; status open; "
                                  "flag urgent now; received from 2026-01-01; unassigned; "
                                  "matching a search")
    assert ScreeningFilters().in_words() == ""


@pytest.mark.parametrize("start, end, words", [
    (date(2026, 1, 1), date(2026, 1, 31), "2026-01-01 to 2026-01-31"),
    (date(2026, 1, 1), None, "from 2026-01-01"),
    (None, date(2026, 1, 31), "up to 2026-01-31"),
    (None, None, ""),
])
def test_period_in_words(start, end, words):
    assert Period(start, end).in_words() == words


def test_period_names_its_ends_as_the_caller_does():
    with pytest.raises(FilterError, match=r"^--since \(2026-02-02\) is after --until"):
        period_from_args(MultiDict([("from", "2026-02-02"), ("to", "2026-02-01")]),
                         names=("--since", "--until"))


def test_a_period_counts_days_in_the_zone_it_was_given(questionnaire):
    """A nurse in New York filtering "received 2026-03-02" means her clinic's day (05:00 UTC to
    05:00 UTC the next morning), not UTC's: the zone comes with the arguments, from the caller."""
    new_york = ZoneInfo("America/New_York")
    args = MultiDict([("from", "2026-03-02"), ("to", "2026-03-02")])
    period = period_from_args(args, zone=new_york)
    start, end = (condition.right.value for condition in period.conditions(Screening.submitted_at))
    assert start == datetime(2026, 3, 2, tzinfo=new_york)
    assert end - start == timedelta(days=1) and end.tzinfo is new_york
    filters = screening_filters(args, questionnaire, zone=new_york)
    assert filters.period.zone is new_york
    # Equal days are equal filters whatever the zone (the queue's default view stays the default).
    assert period_from_args(MultiDict(), zone=new_york) == Period()


def test_day_parser_takes_its_whole_range():
    assert parse_day(EARLIEST_DAY.isoformat(), "from") == EARLIEST_DAY
    assert parse_day(LATEST_DAY.isoformat(), "to") == LATEST_DAY
    # The day after the latest is the end of the SQL range: it must exist.
    assert len(Period(LATEST_DAY, LATEST_DAY).conditions(Screening.submitted_at)) == 2


@pytest.mark.parametrize("value, message", [
    ("9999-12-31", "to: 9999-12-31 is out of range"),
    ("0001-01-01", "to: 0001-01-01 is out of range"),
    ("2026-02-30", "to: 2026-02-30 is not a real date"),
    ("２０２６-０１-０１", "to: expected a date like 2026-01-31"),  # fullwidth digits
    ("2026-W05-1", "to: expected a date like 2026-01-31"),
    ("2026-01-01T00:00", "to: expected a date like 2026-01-31"),
])
def test_day_parser_refuses(value, message):
    with pytest.raises(FilterError, match="^" + message):
        parse_day(value, "to")

