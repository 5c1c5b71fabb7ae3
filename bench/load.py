"""A bounded load generator: concurrent virtual users, each with its own connection and cookies.

Stdlib only (``http.client`` in threads). Every run stops by itself after ``duration`` seconds or
``max_iterations`` iterations, whichever comes first, and talks to loopback addresses only.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Callable
from urllib.parse import urlencode, urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")
FORM = "application/x-www-form-urlencoded"


class LoadError(Exception):
    """A request in a scenario did not get the expected answer."""


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        """The redirect target as a path (with query string)."""
        parts = urlsplit(self.headers.get("Location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


class Client:
    """One virtual user: a connection (re-opened when the server closes it) and a cookie jar."""

    def __init__(self, base_url: str, recorder: Recorder | None = None, timeout: float = 30):
        parts = urlsplit(base_url)
        if parts.hostname not in LOOPBACK:
            raise ValueError(f"load is only ever sent to loopback addresses, not {parts.hostname}")
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.recorder = recorder

    def request(self, method: str, path: str, form=None, label: str | None = None,
                expect: tuple[int, ...] = (200,)) -> Response:
        """Send one request; record it under ``label``; raise LoadError on another status."""
        body = urlencode(form, doseq=True).encode() if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = FORM
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body, headers)
            raw = self.connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read(), 0.0)
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self._record(label or path, time.perf_counter() - started, f"{type(error).__name__}")
            raise LoadError(f"{method} {path}: {type(error).__name__}: {error}") from None
        response.elapsed = time.perf_counter() - started
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        ok = response.status in expect
        self._record(label or path, response.elapsed, None if ok else f"HTTP {response.status}")
        if not ok:
            raise LoadError(f"{method} {path}: HTTP {response.status}, expected {expect}")
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form, **kwargs) -> Response:
        return self.request("POST", path, form, **kwargs)

    def close(self) -> None:
        self.connection.close()

    def _record(self, label: str, seconds: float, error: str | None) -> None:
        if self.recorder is not None:
            self.recorder.add(label, seconds, error)

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


@dataclass
class Recorder:
    """Latencies per label and the errors seen; safe to share between threads."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, label: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(label, []).append(seconds)
            if error is not None:
                self.errors[label] = self.errors.get(label, 0) + 1

    def fail(self, message: str) -> None:
        with self.lock:
            if len(self.samples) < 10:
                self.samples.append(message)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass
class Outcome:
    """What one timed run produced."""

    recorder: Recorder
    elapsed: float
    iterations: int
    failed_iterations: int

    def stats(self, label: str) -> dict:
        """requests/s, p50, p99 (ms) and errors for one label."""
        values = sorted(self.recorder.latencies.get(label, []))
        return {"requests": len(values), "rps": round(len(values) / self.elapsed, 1),
                "p50_ms": _ms(percentile(values, 50)), "p99_ms": _ms(percentile(values, 99)),
                "errors": self.recorder.errors.get(label, 0)}


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)


def run(base_url: str, users: int, iteration: Callable[[Client, int], None], *,
        duration: float, max_iterations: int, setup: Callable[[Client, int], None] | None = None,
        fresh_client: bool = False, on_start: Callable[[], object] | None = None) -> Outcome:
    """Run ``iteration`` for ``users`` concurrent users until time or the iteration budget ends.

    ``setup`` (not timed) runs once per user before the clock starts, ``on_start`` as it starts.
    With ``fresh_client`` each iteration gets a new client (a new visitor: no cookies);
    otherwise a user keeps its client.
    """
    recorder, budget = Recorder(), _Budget(max_iterations)
    clock = {"start": 0.0, "stop": 0.0}
    counts = {"done": 0, "failed": 0, "setup_failed": 0}
    lock = threading.Lock()

    def start_clock() -> None:  # runs once, before any user is released
        if on_start is not None:
            on_start()
        clock["start"] = time.perf_counter()
        clock["stop"] = clock["start"] + duration

    ready = threading.Barrier(users + 1, action=start_clock)

    def user(number: int) -> None:
        client = Client(base_url)
        try:
            if setup is not None:
                setup(client, number)
        except LoadError as error:
            recorder.fail(f"setup: {error}")
            with lock:
                counts["setup_failed"] += 1
            client.close()
            client = None
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            return
        while client is not None and time.perf_counter() < clock["stop"] and budget.take():
            if fresh_client:
                client.close()
                client = Client(base_url)
            client.recorder = recorder
            try:
                iteration(client, number)
                outcome = "done"
            except LoadError as error:
                recorder.fail(str(error))
                outcome = "failed"
            with lock:
                counts[outcome] += 1
        if client is not None:
            client.close()

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(users)]
    for thread in threads:
        thread.start()
    try:
        ready.wait(timeout=300)  # setups (walking to a step, logging in) are bounded too
    except threading.BrokenBarrierError:
        raise LoadError("the users' setup did not finish within 300 s") from None
    for thread in threads:
        thread.join(timeout=duration + 120)
    elapsed = time.perf_counter() - clock["start"]
    failed = counts["failed"] + counts["setup_failed"]
    if failed and not recorder.error_count:
        recorder.errors["iteration"] = failed
    return Outcome(recorder, elapsed, counts["done"], failed)


class _Budget:
    """A shared, thread-safe countdown of iterations."""

    def __init__(self, total: int):
        self.left = total
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True
