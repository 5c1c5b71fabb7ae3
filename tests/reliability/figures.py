"""Figures from the last reliability run, for the README: test-artifacts/reliability.json."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

FILE = Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability.json"


def record(name: str, **values) -> None:
    """Store (and print) the figures of one test run under ``name``."""
    FILE.parent.mkdir(exist_ok=True)
    try:
        data = json.loads(FILE.read_text())
    except (OSError, ValueError):
        data = {}
    values["at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    data[name] = values
    FILE.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"figures {name}: {values}")
