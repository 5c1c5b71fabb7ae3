"""cProfile of the wizard's PHQ-9 step, GET and POST, in-process (no gunicorn, no HTTP):
``python -m bench.profile_step [--requests N] [--step phq9] [--top 25]``.

The app is built with production settings on a fresh SQLite database migrated by ``flask db
upgrade``; one virtual patient (the kit's, reading every form from its page) walks to the step,
then the step is fetched N times and posted N times, each under the profiler after a warm-up.
Prints CPU per request without the profiler and the top entries by own time and cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from werkzeug.datastructures import MultiDict  # noqa: E402

from bench import servers  # noqa: E402
from bench.patient import AnswerSource, Patient  # noqa: E402
from tests.kit.pages import parse  # noqa: E402
from tests.kit.patient import PREFIX  # noqa: E402

WARM_UP = 20
BASE = "https://127.0.0.1"  # production cookies are Secure
HEADERS = {"Referer": BASE + "/"}  # CSRF over HTTPS checks the referrer, as a browser sends it


class InProcessPatient(Patient):
    """The bench's virtual patient, its requests sent through Flask's test client."""

    def __init__(self, client, questionnaire, answers: dict):
        super().__init__(None, questionnaire, answers)
        self.flask_client = client

    def fetch(self, method: str, path: str, data):
        response = self.flask_client.open(path, method=method, base_url=BASE, headers=HEADERS,
                                          data=None if data is None else MultiDict(data))
        return parse(response.get_data(as_text=True), "https://127.0.0.1" + path,
                     response.status_code, {k.lower(): v for k, v in response.headers.items()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--step", default="phq9")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--save", help="Also write the profiles to SAVE-GET.prof, SAVE-POST.prof")
    args = parser.parse_args(argv)
    db = servers.Database("sqlite").create().migrate()
    try:
        os.environ.update(servers.app_env(db.url))
        from bench.app_entry import create_app

        app = create_app()
        client = app.test_client()
        source = AnswerSource(_questionnaire())
        patient = InProcessPatient(client, source.questionnaire, source.stream(1)())
        target, body = patient.step_post(args.step)
        calls = {"GET": lambda: client.get(PREFIX + args.step, base_url=BASE, headers=HEADERS),
                 "POST": lambda: client.post(target, data=MultiDict(body), base_url=BASE,
                                           headers=HEADERS)}
        for method, call in calls.items():
            _report(method, call, args.requests, args.top, args.save)
    finally:
        db.drop()
    return 0


def _questionnaire():
    from screener.core.questionnaire import load

    return load(PROJECT_ROOT / "questions.yaml")


def _report(method: str, call, requests: int, top: int, save: str | None) -> None:
    for _ in range(WARM_UP):
        call()
    started = time.process_time()
    for _ in range(requests):
        call()
    cpu_ms = (time.process_time() - started) * 1000 / requests
    profile = cProfile.Profile(time.process_time)  # CPU: time other load takes is not ours
    profile.enable()
    for _ in range(requests):
        call()
    profile.disable()
    if save:
        profile.dump_stats(f"{save}-{method}.prof")
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    print(f"== {method}: {cpu_ms:.3f} ms CPU per request without the profiler "
          f"({requests} requests) ==")
    print(out.getvalue())


if __name__ == "__main__":
    sys.exit(main())
