"""Import a OneRoster 1.1 or 1.2 CSV export from a folder or a zip."""

import json

from django.core.management.base import BaseCommand, CommandError

from schools.imports import import_run_from_path
from schools.models import District
from schools.oneroster import Scope, SourceError


class Command(BaseCommand):
    help = (
        "Import a OneRoster 1.1 or 1.2 CSV export (bulk or delta) from a folder or "
        "a .zip. Nothing is written unless every file is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a folder or a .zip of OneRoster CSV files")
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="print one JSON object with the counts, errors and warnings",
        )
        parser.add_argument(
            "--district",
            type=int,
            metavar="ID",
            help="import into this existing district only (its database id)",
        )

    def handle(self, *args, path, as_json=False, district=None, **options):
        scope = None
        if district is not None:
            if not District.objects.filter(pk=district).exists():
                raise CommandError(f"There is no district with id {district}.")
            scope = Scope(district_id=district)
        try:
            run = import_run_from_path(path=path, scope=scope)
        except SourceError as error:
            if as_json:
                self.stdout.write(_json_refusal(path, str(error)))
                raise SystemExit(1) from error
            raise CommandError(str(error)) from error
        report = run.report
        if as_json:
            self.stdout.write(_dumps(report))
        else:
            self._print(report)
        if not report["ok"]:
            raise SystemExit(1)

    def _print(self, report: dict) -> None:
        out = self.stdout
        out.write(f"OneRoster {report['version']}")
        for name, mode in report["files"].items():
            out.write(f"  {name}: {mode}")
        out.write(f"{'':22}created  updated  unchanged  deactivated")
        for entity, c in report["counts"].items():
            out.write(
                f"{entity:22}{c['created']:7}  {c['updated']:7}  {c['unchanged']:9}"
                f"  {c['deactivated']:11}"
            )
        for warning in report["warnings"]:
            out.write(self.style.WARNING(f"warning: {_where(warning)}"))
        for error in report["errors"]:
            out.write(self.style.ERROR(f"error: {_where(error)}"))
        if report["ok"]:
            out.write(self.style.SUCCESS("Imported."))
        else:
            out.write(
                self.style.ERROR(
                    f"Refused: {report['error_count']} problems; nothing was saved."
                )
            )


def _where(problem: dict) -> str:
    parts = [problem["file"]]
    if problem["line"]:
        parts.append(f"line {problem['line']}")
    if problem["column"]:
        parts.append(f"column {problem['column']}")
    where = ", ".join(p for p in parts if p)
    return f"{where}: {problem['message']}" if where else problem["message"]


def _dumps(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def _json_refusal(path: str, message: str) -> str:
    return _dumps(
        {
            "ok": False,
            "refused": True,
            "counts": {},
            "error_count": 1,
            "errors": [
                {"file": path, "line": None, "column": None, "message": message}
            ],
            "warning_count": 0,
            "warnings": [],
        }
    )
