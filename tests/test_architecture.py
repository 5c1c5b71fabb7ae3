"""The package layout and its layers, as ARCHITECTURE and the README's code map draw them."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = PROJECT_ROOT / "screener"
FRAMEWORKS = ("flask", "flask_login", "flask_wtf", "flask_sqlalchemy", "flask_migrate",
              "flask_limiter", "sqlalchemy", "wtforms", "jinja2", "markupsafe", "werkzeug")


def test_import_contracts_hold():
    """`lint-imports` checks the contracts in pyproject.toml: a broken layer fails `make test`."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    kept = {line.removesuffix(" KEPT") for line in result.stdout.splitlines()
            if line.endswith(" KEPT")}
    assert kept == contract_names(), result.stdout
    assert LAYER_CONTRACTS <= kept, "a layer contract was dropped from pyproject.toml"


# The layers ARCHITECTURE.md draws; pyproject.toml may add contracts, never drop these.
LAYER_CONTRACTS = {
    "core is pure: no framework, no other layer",
    "patient, staff and export do not import each other",
    "storage knows nothing of the web layer or the audiences",
    "storage reads no login state: the web layer passes the actor",
    "urgent alerts know nothing of the web layer or the audiences",
    "the shared web layer does not import the audiences",
}


def contract_names() -> set[str]:
    """The names of the import contracts in pyproject.toml."""
    with (PROJECT_ROOT / "pyproject.toml").open("rb") as file:
        config = tomllib.load(file)
    return {contract["name"] for contract in config["tool"]["importlinter"]["contracts"]}


def test_the_core_runs_without_any_framework_loaded():
    """Importing every core module loads none of the web or database frameworks.

    ``screener/__init__.py`` (the factory) imports Flask, so the package is stood in for by a
    bare module: what loads is the core and what the core imports, nothing else."""
    core_modules = sorted(
        ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (PACKAGE / "core").rglob("*.py"))
    code = ("import importlib, sys, types\n"
            "package = types.ModuleType('screener')\n"
            f"package.__path__ = [{str(PACKAGE)!r}]\n"
            "sys.modules['screener'] = package\n"
            f"for name in {core_modules!r}: importlib.import_module(name)\n"
            f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_few_loose_modules():
    """Modules live in packages by audience and layer; at most 8 stand loose in screener/."""
    loose = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(loose) <= 8, loose
    for package in ("core", "storage", "web", "patient", "staff", "export", "cli"):
        assert (PACKAGE / package / "__init__.py").is_file(), package


def test_storage_reads_no_request_state():
    """Storage is handed what it needs: it imports none of Flask's request-bound globals."""
    request_state = {"request", "session", "g", "has_request_context", "current_user",
                     "login_user", "logout_user"}
    found = []
    for path in sorted((PACKAGE / "storage").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
                    "flask", "flask_login"):
                found += [f"{path.relative_to(PROJECT_ROOT)}: {alias.name}"
                          for alias in node.names if alias.name in request_state]
            elif isinstance(node, ast.Import):
                found += [f"{path.relative_to(PROJECT_ROOT)}: import {alias.name}"
                          for alias in node.names if alias.name in ("flask", "flask_login")]
    assert found == []


def test_storage_reads_no_app_state():
    """Storage is handed its settings and the questionnaire in force (the clinic's zone, the
    loaded text): no module under storage/ imports ``current_app`` or ``has_app_context``, so
    a storage function does the same inside a request, a command or a test (issue 22)."""
    app_state = {"current_app", "has_app_context", "has_request_context"}
    found = []
    for path in sorted((PACKAGE / "storage").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "flask":
                found += [f"{path.relative_to(PROJECT_ROOT)}: {alias.name}"
                          for alias in node.names if alias.name in app_state]
            elif isinstance(node, ast.Attribute) and node.attr in app_state:
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: .{node.attr}")
    assert found == []


# Where a transaction may be committed (issue 22): the unit of work of a request and of a
# command, and storage's own maintenance jobs, which run outside any request.
COMMITTERS = {
    "screener/web/transactions.py": "one unit of work per request",
    "screener/cli/transactions.py": "one unit of work per command",
    "screener/storage/database.py": "begin_write ends the transaction before a write begins",
    "screener/storage/outbox.py": "the urgent-alert sender: claims, then marks each message",
    "screener/storage/retention.py": "purge",
    "screener/storage/daily_counts.py": "the dashboard's roll-up, in a write of its own",
}


def _commit_calls(path: Path) -> list[int]:
    """Line numbers of every ``<session or connection>.commit()`` call in ``path`` (the unit
    of work's own ``transactions.commit()`` is the allowed way)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"
            and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "transactions")]


def test_only_the_unit_of_work_and_maintenance_jobs_commit():
    """Views, staff work, authentication and storage functions add and flush; the edge commits
    once (a commit in the middle of a request splits its unit of work, and on SQLite a GET that
    commits a write it upgraded from a read fails as "database is locked")."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PROJECT_ROOT).as_posix()
        if name not in COMMITTERS:
            found += [f"{name}:{line}" for line in _commit_calls(path)]
    assert found == []
    for name in COMMITTERS:  # the list names only files that exist and commit
        assert _commit_calls(PROJECT_ROOT / name), name


def test_audit_events_are_committed_by_the_caller():
    """``audit.record`` only adds its event: no ``commit=True`` shortcut around the unit of work."""
    import inspect

    from screener.storage import audit

    assert "commit" not in inspect.signature(audit.record).parameters


def test_the_code_map_names_every_module():
    """The README's code map names each module under screener/ on its package's line."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    code_map = readme.split("## Code map", 1)[1].split("```", 2)[1]
    lines = {line.split()[0]: line for line in code_map.splitlines() if line.strip()}
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if path.name == "__init__.py" or len(parts) == 1:
            continue
        line = lines.get(f"screener/{parts[0]}/", "")
        if not re.search(rf"\b{re.escape(path.stem)}\b", line):
            missing.append(path.relative_to(PROJECT_ROOT).as_posix())
    for path in sorted(PACKAGE.glob("*.py")):
        if f"screener/{path.name}" not in lines:
            missing.append(path.relative_to(PROJECT_ROOT).as_posix())
    assert missing == []


def _naive_clock_calls(path: Path) -> list[str]:
    """``datetime.now()``, ``date.today()``, ``datetime.utcnow()`` and one-argument
    ``datetime.fromtimestamp()`` in ``path``: each reads the machine's zone or none."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("datetime", "date")):
            continue
        name, given = node.func.attr, len(node.args) + len(node.keywords)
        if (name in ("today", "utcnow") or (name == "now" and given == 0)
                or (name == "fromtimestamp" and given < 2)):
            found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {name}()")
    return found


def test_no_date_comes_from_the_machines_time_zone():
    """Days are the clinic's (CLINIC_TIMEZONE) and instants are UTC: no code, test or benchmark
    asks the machine for a naive date or time. A test that did (``datetime.now().date()`` for a
    "from" filter read in the clinic's zone) failed every night from 00:00 to 05:00 UTC."""
    found = []
    for folder in ("screener", "tests", "bench"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            found += _naive_clock_calls(path)
    assert found == []
