"""What the benchmark scripts share."""

from __future__ import annotations

import os
import statistics
import time


def django_setup() -> None:
    """Set Django up for a run from the command line; under pytest it already is.

    Benchmarks run with `DEBUG=1` unless told otherwise, as on a developer's
    machine: the figures are server time, not what production settings add.
    """
    from django.apps import apps

    if apps.ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plc.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()


def allowed_host() -> str:
    """A host name the settings accept.

    Django's test client says `testserver`, which only the test runner adds to
    `ALLOWED_HOSTS`; a benchmark run from the command line would be refused
    with a 400 on every page.
    """
    from django.conf import settings

    for host in settings.ALLOWED_HOSTS:
        if host == "*":
            break
        return f"bench{host}" if host.startswith(".") else host
    return "localhost"  # what Django accepts with DEBUG on and no ALLOWED_HOSTS


def client_for(user):
    """A test client logged in as `user`, sending a host the settings accept."""
    from django.test import Client

    client = Client(HTTP_HOST=allowed_host())
    client.force_login(user)
    return client


def timed(client, method: str, url: str, data=None, *, runs: int):
    """`runs` requests after one to warm caches: their times in ms, and the
    number of SQL queries of the last."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    getattr(client, method)(url, data or {})
    timings, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = getattr(client, method)(url, data or {})
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{method.upper()} {url} answered {response.status_code}")
        queries = len(captured.captured_queries)
    return timings, queries


def median(timings: list[float]) -> float:
    return statistics.median(timings)


def p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
