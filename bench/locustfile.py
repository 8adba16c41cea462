"""The staff that `bench/load.py` simulates, for locust.

Not run by itself: `bench/load.py` writes a plan (who is logged in as whom, and
which pages, grids and exports each may use), points PLC_LOAD_PLAN at it and
starts locust headless against 127.0.0.1. Each simulated person keeps to one
kind of work, in the numbers the plan gives: reading pages, entering results
cell by cell in a grid of their own, or exporting a table. The think times are
those of people at work, not of a script hammering a server.

Every request's category and time go to PLC_LOAD_TIMES (JSON lines) for the
plan's own percentiles; the run stops at PLC_LOAD_MAX_REQUESTS requests or at
locust's --run-time, whichever comes first.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["PLC_LOAD_PLAN"]).read_text(encoding="utf-8"))
MAX_REQUESTS = int(os.environ.get("PLC_LOAD_MAX_REQUESTS", "0"))
START_WITHIN = float(os.environ.get("PLC_LOAD_START_WITHIN", "45"))
# Open for the whole run; locust's quitting event flushes it.
TIMES = open(os.environ["PLC_LOAD_TIMES"], "a", encoding="utf-8")  # noqa: SIM115
SENT = itertools.count(1)

CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
CELL = re.compile(
    r'data-student="(\d+)" data-item="(\d+)" data-version="(\d+)"', re.MULTILINE
)
VERSION = re.compile(r'data-version="(\d+)"')


@events.request.add_listener
def record(request_type, name, response_time, exception, context, **kwargs):
    category = (context or {}).get("category", "other")
    TIMES.write(
        json.dumps(
            {
                "category": category,
                "name": name,
                "ms": response_time,
                "failed": exception is not None,
                "error": str(exception)[:200] if exception else "",
            }
        )
        + "\n"
    )
    if MAX_REQUESTS and next(SENT) == MAX_REQUESTS and ENVIRONMENT:
        ENVIRONMENT[0].runner.quit()


ENVIRONMENT: list = []


@events.init.add_listener
def keep_environment(environment, **kwargs):
    ENVIRONMENT.append(environment)


@events.quitting.add_listener
def flush(environment, **kwargs):
    TIMES.flush()


class Staff(HttpUser):
    abstract = True
    slots: list[dict] = []
    counter = itertools.count()

    def on_start(self):
        slots = type(self).slots
        if not slots:
            raise StopUser()
        self.slot = slots[next(type(self).counter) % len(slots)]
        self.client.cookies.set(PLAN["session_cookie"], self.slot["session"])
        # People do not all click in the same second: each starts at a moment
        # of their own within a first pause, as they would arriving at their
        # desks, instead of every one of them asking for a page as it spawns.
        gevent.sleep(random.uniform(0, min(self.wait_time(), START_WITHIN)))

    def get(self, url: str, category: str):
        with self.client.get(
            url,
            name=f"{category}: {self.slot['label']} {url_kind(url)}",
            context={"category": category},
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{url} answered {response.status_code}")
            return response


def url_kind(url: str) -> str:
    """A URL with its numbers taken out, so locust's table groups like pages."""
    return re.sub(r"\d+", "N", url)


class Reader(Staff):
    """Opens a page, reads it for half a minute or so, opens the next."""

    fixed_count = PLAN["counts"]["read"]
    wait_time = between(15, 45)
    slots = PLAN["readers"]

    @task
    def read_a_page(self):
        self.get(random.choice(self.slot["urls"]), "read")


class Exporter(Staff):
    fixed_count = PLAN["counts"]["export"]
    wait_time = between(30, 90)
    slots = PLAN["exporters"]

    @task
    def export_a_table(self):
        response = self.get(random.choice(self.slot["urls"]), "export")
        if response.status_code == 200 and "text/csv" not in response.headers.get(
            "Content-Type", ""
        ):
            response.failure("the export was not a CSV")


class Writer(Staff):
    """A teacher typing results into one grid of theirs, a cell every few
    seconds, each cell sent with the version the grid showed."""

    fixed_count = PLAN["counts"]["write"]
    wait_time = between(2, 6)
    slots = PLAN["writers"]

    def on_start(self):
        super().on_start()
        response = self.get(self.slot["grid"], "read")
        token = CSRF_HEADER.search(response.text or "")
        if token is None:
            raise StopUser()
        self.csrf = token[1]
        # The token cookie may be marked Secure, which a plain-HTTP client on
        # 127.0.0.1 would not send back; keep it for this host as it came.
        if "csrftoken" in response.cookies:
            self.client.cookies.set(
                PLAN["csrf_cookie"], response.cookies[PLAN["csrf_cookie"]]
            )
        own = {(s, i) for s, i in self.slot["cells"]}
        self.cells = {
            (int(s), int(i)): int(v)
            for s, i, v in CELL.findall(response.text)
            if (int(s), int(i)) in own
        }
        if not self.cells:
            raise StopUser()

    @task
    def enter_a_result(self):
        (student, item), version = random.choice(list(self.cells.items()))
        with self.client.post(
            self.slot["cell"],
            data={
                "student": student,
                "item": item,
                "version": version,
                "value": str(random.randint(0, self.slot["max_points"])),
            },
            headers={"X-CSRFToken": self.csrf, "HX-Request": "true"},
            name=f"write: {self.slot['label']} cell",
            context={"category": "write"},
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                response.failure(f"the cell answered {response.status_code}")
                return
            seen = VERSION.search(response.text)
            if seen:
                self.cells[(student, item)] = int(seen[1])
