import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from assessments.demo import build_benchmark_year, build_demo_assessments
from interventions.demo import build_demo_interventions
from plc.db import analyze
from schools.demo import DEMO_PASSWORD, DemoBuilder
from schools.models import District
from teams.demo import build_demo_teams


class Command(BaseCommand):
    """Builds the demo in layers, each app adding its own part on top of the roster.

    It lives in `dashboards`, the top app, because it calls every app's demo code.
    """

    help = (
        "Load a demo district: Stevenson High School and Boones Mill Elementary, "
        "with staff, students, classes and guardians. Deterministic for a seed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--students",
            type=int,
            default=4000,
            help="Students at Stevenson High School (default 4000).",
        )
        parser.add_argument(
            "--district-students",
            type=int,
            default=None,
            help="Add schools until the district has this many students, each "
            "with a year of common assessments and results (e.g. 50000 for "
            "benchmarks).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has a district.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the whole database first (all data is lost).",
        )

    def handle(
        self, *args, students, district_students, seed, if_empty, reset, **options
    ):
        if students < 8:
            raise CommandError("--students must be at least 8 (two per grade).")
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        elif District.objects.exists():
            if if_empty:
                return
            raise CommandError(
                "The database already has data. Use --reset to replace it with the "
                "demo district (everything in it is deleted)."
            )
        started = time.monotonic()
        builder = DemoBuilder(seed=seed)
        district = builder.build(
            high_school_students=students, district_students=district_students
        )
        teams = build_demo_teams(district, seed=seed)
        build_demo_assessments(teams, seed=seed)
        if district_students:
            results = build_benchmark_year(district, seed=seed)
            self.stdout.write(
                f"A year of results for the benchmark schools: {results:,} item "
                f"scores in {time.monotonic() - started:.1f} s so far."
            )
        build_demo_interventions(district, seed=seed)
        analyze(*own_models())
        total = sum(school.students.count() for school in district.schools.all())
        self.stdout.write(
            f"Demo district ready: {district.schools.count()} schools, {total:,} "
            f"students in {time.monotonic() - started:.1f} s. "
            f"Demo password: {DEMO_PASSWORD}"
        )


def own_models() -> list:
    """Every table of the project's own apps, many-to-many tables included.

    The demo fills nearly all of them at once, in bulk; without fresh statistics
    PostgreSQL plans the first pages as if they were empty.
    """
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and Path(apps.get_app_config(model._meta.app_label).path).parent
        == settings.BASE_DIR
    ]
