"""Politeness towards the sites we harvest: a per-host request rate and robots.txt.

>>> limiter = HostRateLimiter()
>>> limiter.wait("example.org", rate=1000.0)  # the first request to a host never waits
0.0
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable
from urllib.robotparser import RobotFileParser


class HostRateLimiter:
    """At most ``rate`` requests per second per host, shared by every thread of a client.

    Each request reserves the next free slot under a lock and then sleeps outside it, so
    concurrent workers on one host queue up in order instead of bursting.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._clock, self._sleep = clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str, rate: float | None) -> float:
        """Block until a request to ``host`` is allowed; returns the seconds waited."""
        interval = 1.0 / rate if rate else 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay

    def defer(self, host: str, seconds: float) -> None:
        """No request to ``host`` for ``seconds`` from now (a Retry-After, a backoff)."""
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), self._clock() + seconds)


@dataclass
class RobotsRules:
    """What one host's robots.txt says; ``parser`` None with a ``refusal`` means: fetch nothing."""
    parser: RobotFileParser | None = None
    refusal: str = ""

    def allows(self, user_agent: str, url: str) -> bool:
        if self.parser is None:
            return not self.refusal
        return self.parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        rate = self.parser.request_rate(user_agent)
        seconds = [float(delay)] if delay else []
        if rate and rate.requests:
            seconds.append(rate.seconds / rate.requests)
        return max(seconds) if seconds else None


def rules_from_response(status: int | None, content: bytes | None, problem: str = "") -> RobotsRules:
    """RFC 9309: a 4xx robots.txt allows everything; a 5xx or an unreachable one allows nothing."""
    if status is not None and 200 <= status < 300:
        parser = RobotFileParser()
        parser.parse((content or b"").decode("utf-8", errors="replace").splitlines())
        return RobotsRules(parser)
    if status is not None and 400 <= status < 500:
        return RobotsRules()
    return RobotsRules(refusal=problem or f"robots.txt answered HTTP {status}")


class RobotsCache:
    """robots.txt per origin, fetched once per client through ``fetch(robots_url, rate) -> RobotsRules``."""

    def __init__(self, fetch: Callable[[str, float | None], RobotsRules]):
        self._fetch = fetch
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def rules(self, origin: str, rate: float | None = None) -> RobotsRules:
        with self._lock:
            origin_lock = self._locks.setdefault(origin, threading.Lock())
        with origin_lock:  # one fetch per origin even when several workers ask at once
            if origin not in self._rules:
                self._rules[origin] = self._fetch(origin + "/robots.txt", rate)
            return self._rules[origin]
