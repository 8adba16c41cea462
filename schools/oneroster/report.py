"""What an import did, or why it refused: counts per entity, errors and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

# Beyond this many, further problems are counted but not listed: a file with a
# systematic mistake would otherwise produce a report nobody can read.
MAX_LISTED = 1000

ENTITIES = (
    "districts",
    "schools",
    "terms",
    "courses",
    "sections",
    "students",
    "staff",
    "staff_roles",
    "guardians",
    "guardian_links",
    "enrollments",
    "teacher_assignments",
    "demographics",
)


@dataclass(frozen=True)
class Problem:
    file: str | None
    line: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                self.file,
                f"line {self.line}" if self.line else None,
                f"column {self.column}" if self.column else None,
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
        }


@dataclass
class Report:
    version: str = ""
    modes: dict[str, str] = field(default_factory=dict)
    counts: dict[str, Counts] = field(
        default_factory=lambda: {name: Counts() for name in ENTITIES}
    )
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    refused: bool = False
    district_ids: set[int] = field(default_factory=set)

    def error(
        self,
        file: str | None,
        line: int | None,
        column: str | None,
        message: str,
    ) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED:
            self.errors.append(Problem(file, line, column, message))

    def warn(
        self,
        file: str | None,
        line: int | None,
        column: str | None,
        message: str,
    ) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append(Problem(file, line, column, message))

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def refuse(self) -> None:
        """Forget the counts of the rolled-back writes: nothing was saved."""
        self.refused = True
        self.counts = {name: Counts() for name in ENTITIES}

    def sorted_errors(self) -> list[Problem]:
        """Errors file by file (in the order files were read), then by line."""
        rank: dict[str | None, int] = {}
        for problem in self.errors:
            rank.setdefault(problem.file, len(rank))
        return sorted(self.errors, key=lambda p: (rank[p.file], p.line or 0))

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "refused": self.refused,
            "version": self.version,
            "files": self.modes,
            "counts": {name: c.as_dict() for name, c in self.counts.items()},
            "error_count": self.error_count,
            "errors": [p.as_dict() for p in self.sorted_errors()],
            "warning_count": self.warning_count,
            "warnings": [p.as_dict() for p in self.warnings],
        }
