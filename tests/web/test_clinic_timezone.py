"""CLINIC_TIMEZONE: times shown to patients and staff, and the staff date filters, use the
clinic's time zone; storage and exports stay UTC (issue 13)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from screener import config
from screener.storage.models import utcnow
from tests.kit.apps import make_app
from tests.factories import make_submission
from tests.helpers import baseline
from tests.web.staff_pages import names_in
from tests.web.test_staff_queue import queue
from tests.web.test_wizard import only
from tests.web.wizard_client import complete
from tests.kit.pages import parse

BERLIN = "Europe/Berlin"


def use_zone(app, name: str) -> ZoneInfo:
    zone = ZoneInfo(name)
    app.config.update(CLINIC_TIMEZONE=name, CLINIC_TZ=zone)
    return zone


def test_default_is_utc(app):
    assert app.config["CLINIC_TIMEZONE"] == "UTC"


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "../etc/passwd", "", "Europe/"])
def test_unknown_time_zone_stops_the_app(monkeypatch, tmp_path, name):
    monkeypatch.setenv("CLINIC_TIMEZONE", name)
    if name == "":  # empty means the default
        assert settings_from_environment(tmp_path).clinic_tz.key == "UTC"
        return
    with pytest.raises(config.ConfigurationError, match="CLINIC_TIMEZONE must be an IANA"):
        settings_from_environment(tmp_path)
    monkeypatch.delenv("CLINIC_TIMEZONE")
    with pytest.raises(config.ConfigurationError, match="CLINIC_TIMEZONE"):
        make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", CLINIC_TIMEZONE=name)


def test_valid_zone_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/New_York")
    assert settings_from_environment(tmp_path).clinic_tz == ZoneInfo("America/New_York")


def settings_from_environment(instance_path):
    import os

    return config.load(os.environ, instance_path=instance_path, strict=False)


def test_patient_result_shows_clinic_time(app, client):
    zone = use_zone(app, "Pacific/Auckland")
    page = complete(client, baseline()).get_data(as_text=True)
    completed = only(app).completed_at.astimezone(zone)
    assert completed.strftime("%Y-%m-%d %H:%M %Z") in page
    assert completed.tzname() in ("NZDT", "NZST") and " UTC" not in page
    assert only(app).completed_at.utcoffset() == timedelta(0)  # stored in UTC


def test_staff_pages_and_date_filters_use_clinic_days(app, client, login_as):
    zone = use_zone(app, BERLIN)
    today = utcnow().date()
    # 23:30 UTC yesterday is already today in Berlin (UTC+1 or +2).
    late = datetime.combine(today - timedelta(days=1), time(23, 30), tzinfo=timezone.utc)
    with app.app_context():
        make_submission(name="Late Evening", submitted_ago=utcnow() - late)
    login_as("intake")
    assert names_in(queue(client, **{"from": str(today)}).get_data(as_text=True)) == [
        "Late Evening"]
    assert names_in(queue(client, to=str(today - timedelta(days=1))).get_data(
        as_text=True)) == []
    page = queue(client).get_data(as_text=True)
    assert f"clinic's time zone ({BERLIN})" in parse(page).find("main").text
    shown = late.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    assert shown in page

    use_zone(app, "UTC")
    assert names_in(queue(client, **{"from": str(today)}).get_data(as_text=True)) == []


def test_csv_export_stays_utc_with_the_offset_in_the_header(app, client, login_as):
    use_zone(app, BERLIN)
    with app.app_context():
        make_submission(name="Exported")
    login_as("clinician")
    # The header row keeps its stable column ids; the labels row states the zone and offset.
    text = client.get("/staff/export.csv?labels=1").get_data(as_text=True)
    assert "Submitted at (UTC, offset +00:00)" in text.splitlines()[1]
    stamp = only(app).submitted_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert stamp in text


def test_the_export_and_the_command_line_filter_by_clinic_days(app, client, login_as):
    """A clinician exporting "from today" in Berlin gets what arrived since Berlin's midnight,
    as the queue shows it; so does ``flask export`` (storage is handed the zone by the edge)."""
    use_zone(app, BERLIN)
    today = utcnow().date()
    late = datetime.combine(today - timedelta(days=1), time(23, 30), tzinfo=timezone.utc)
    with app.app_context():
        make_submission(name="Late Evening", submitted_ago=utcnow() - late)
    login_as("clinician")
    assert "Late Evening" in client.get(f"/staff/export.csv?from={today}").get_data(as_text=True)
    yesterday = today - timedelta(days=1)
    assert "Late Evening" not in client.get(
        f"/staff/export.csv?to={yesterday}").get_data(as_text=True)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export", "csv", "--since", str(today)])
    assert result.exit_code == 0, result.output
    assert "Late Evening" in result.stdout_bytes.decode()
    result = runner.invoke(args=["export", "csv", "--until", str(yesterday)])
    assert result.exit_code == 0, result.output
    assert "Late Evening" not in result.stdout_bytes.decode()
