"""The rules engine in-process and through ``flask evaluate``, and the app's start-up time."""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from screener.core import rules
from screener.cli.dev import AnswerSampler
from screener.core.questionnaire import Questionnaire

from . import servers

STARTUP = """
import time
started, cpu = time.perf_counter(), time.process_time()
from screener import create_app
imported = time.perf_counter()
create_app()
print(imported - started, time.perf_counter() - started, time.process_time() - cpu)
"""


def answer_sets(questionnaire: Questionnaire, count: int, seed: int = 20) -> list[dict]:
    """``count`` random valid answer sets."""
    sampler = AnswerSampler(questionnaire, random.Random(seed))
    return [sampler.answers() for _ in range(count)]


def in_process(questionnaire: Questionnaire, sets: list[dict], min_seconds: float) -> dict:
    """Evaluations per second of ``rules.evaluate`` (best of repeated passes)."""
    rules.evaluate(questionnaire, sets[0])  # compile once, as a running app would
    rates, cpu_rates, started = [], [], time.perf_counter()
    while time.perf_counter() - started < min_seconds or len(rates) < 3:
        begin, cpu = time.perf_counter(), time.process_time()
        for answers in sets:
            rules.evaluate(questionnaire, answers)
        rates.append(len(sets) / (time.perf_counter() - begin))
        cpu_rates.append(len(sets) / max(time.process_time() - cpu, 1e-9))
    return {"evaluations_per_second": round(max(rates)),
            "median_per_second": round(statistics.median(rates)),
            "per_cpu_second": round(max(cpu_rates)), "passes": len(rates)}


def cli(sets: list[dict], db_url: str) -> dict:
    """``flask --app screener evaluate FILE`` on one JSON line per answer set, wall time."""
    with tempfile.TemporaryDirectory(prefix="screener-bench-") as folder:
        path = Path(folder) / "answers.jsonl"
        path.write_text("".join(json.dumps(answers) + "\n" for answers in sets))
        output = Path(folder) / "out.jsonl"
        with output.open("w") as out:
            result = servers.timed_process(
                [str(servers.BIN / "flask"), "--app", "screener", "evaluate", str(path)],
                servers.app_env(db_url), stdout=out)
        lines = output.read_text().count("\n")
    return dict(result, lines=len(sets), output_lines=lines,
                lines_per_second=round(len(sets) / result["seconds"]))


def startup(db_url: str, runs: int) -> dict:
    """Import + ``create_app()`` in a fresh interpreter, median of ``runs``."""
    env = servers.app_env(db_url)
    imports, totals, cpus = [], [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", STARTUP], env=env, cwd=servers.PROJECT_ROOT,
                             capture_output=True, text=True, timeout=60, check=True).stdout
        imported, total, cpu = map(float, out.split())
        imports.append(imported)
        totals.append(total)
        cpus.append(cpu)
    return {"import_s": round(statistics.median(imports), 3),
            "import_and_create_s": round(statistics.median(totals), 3),
            "cpu_s": round(statistics.median(cpus), 3), "runs": runs}
