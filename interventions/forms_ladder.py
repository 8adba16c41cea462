"""Forms of the ladder, advisors and caseload pages. They check the shape of
input; the services check the rules that span rows."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from django import forms

from interventions.ladder import ActionSpec
from interventions.ladder_selectors import RuleSpec, mentor_by_local_id, name_key
from interventions.ladder_services import AdvisorRow
from interventions.models import ActionKind, GroupKind, Responsible
from schools.models import GradeLevel, School

TIERS = [
    (1, "Tier 1 — support"),
    (2, "Tier 2 — targeted"),
    (3, "Tier 3 — intensive"),
]
# Bootstrap's default box border is too faint to find (WCAG 1.4.11).
CHECKBOX = "form-check-input border-secondary"
MAX_REVIEW_DAYS = 365
MAX_UPLOAD_BYTES = 1024 * 1024
MAX_UPLOAD_ROWS = 5000
ADVISOR_COLUMNS = ("student_id", "advisor_email", "mentor_student_id")


def mark_invalid(form) -> None:
    """Flag the widgets of fields with errors for people and screen readers,
    where a table row is rendered by hand rather than by crispy forms."""
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{form[name].auto_id}_error"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.email} ({obj.email})"


class CounselorChoiceField(forms.ModelChoiceField):
    """A school has a handful of counselors: their names tell them apart."""

    def label_from_instance(self, obj):
        return obj.full_name or obj.email


# The ladder ------------------------------------------------------------------------


class RungForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="e.g. Required tutoring")
    tier = forms.TypedChoiceField(coerce=int, choices=TIERS)
    description = forms.CharField(
        label="What happens at this rung",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In words a parent reads: who does what, how often, where.",
    )
    review_days = forms.IntegerField(
        label="Review after (days)",
        min_value=1,
        max_value=MAX_REVIEW_DAYS,
        help_text="42 days is six weeks: six weekly progress checks before a decision.",
    )
    group_kind = forms.ChoiceField(
        label="Group",
        required=False,
        choices=[("", "No group"), *GroupKind.choices],
        help_text="The kind of group a student on this rung is placed in.",
    )
    sends_parent_notice = forms.BooleanField(
        label="Entering this rung sends the parents a notice", required=False
    )
    needs_contract = forms.BooleanField(
        label="Student, parents, counselor and teacher sign a contract",
        required=False,
    )


class RungActionForm(forms.Form):
    title = forms.CharField(label="Action", max_length=200, required=False)
    responsible = forms.ChoiceField(
        label="Who does it",
        required=False,
        choices=[("", "Choose…"), *Responsible.choices],
    )
    kind = forms.ChoiceField(
        label="Done when",
        choices=[
            (ActionKind.TASK, "Marked done"),
            (ActionKind.PROGRESS_CHECK, "A progress check is logged"),
            (ActionKind.PARENT_CONTACT, "A parent contact is logged"),
            (ActionKind.CONTRACT, "The contract is signed"),
        ],
        initial=ActionKind.TASK,
    )
    due_within_days = forms.IntegerField(
        label="Due within (days)",
        min_value=0,
        max_value=MAX_REVIEW_DAYS,
        initial=7,
        required=False,
    )
    repeats_weekly = forms.BooleanField(label="Every week", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name == "repeats_weekly":
                field.widget.attrs["class"] = CHECKBOX
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        if data.get("DELETE"):
            return data
        title = (data.get("title") or "").strip()
        if not title:
            if data.get("responsible"):
                self.add_error("title", "Say what the action is, or tick Remove.")
            return data
        if not data.get("responsible"):
            self.add_error("responsible", "Choose who does it.")
        if data.get("due_within_days") is None:
            self.add_error("due_within_days", "Give the days it is due within.")
        return data

    def _post_clean(self):
        super()._post_clean()
        mark_invalid(self)

    @property
    def spec(self) -> ActionSpec | None:
        data = self.cleaned_data
        title = (data.get("title") or "").strip()
        if data.get("DELETE") or not title:
            return None
        return ActionSpec(
            title=title,
            responsible=data["responsible"],
            due_within_days=data["due_within_days"],
            repeats_weekly=data["repeats_weekly"],
            kind=data["kind"],
        )


class Rows(forms.BaseFormSet):
    """Rows rendered by hand in a table: the Remove box gets Bootstrap's look."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = CHECKBOX


RungActionFormSet = forms.formset_factory(
    RungActionForm,
    formset=Rows,
    extra=2,
    can_delete=True,
    max_num=30,
    validate_max=True,
)


def action_specs(formset) -> list[ActionSpec]:
    """The rung's actions in the order the rows show them, blank rows and
    removed rows left out."""
    return [spec for form in formset.forms if (spec := form.spec) is not None]


def action_initial(rung) -> list[dict]:
    return [
        {
            "title": a.title,
            "responsible": a.responsible,
            "kind": a.kind,
            "due_within_days": a.due_within_days,
            "repeats_weekly": a.repeats_weekly,
        }
        for a in rung.actions.all()
    ]


class RetireForm(forms.Form):
    reason = forms.CharField(
        label="Why is it retired?",
        max_length=300,
        help_text="Kept on the ladder's record.",
    )


# Faculty advisors and student mentors ------------------------------------------


class AdviseeSearchForm(forms.Form):
    q = forms.CharField(label="Name or student ID", required=False, max_length=100)
    no_advisor = forms.BooleanField(
        label="Only students with no advisor", required=False
    )


class AdviseeForm(forms.Form):
    advisor = PersonChoiceField(
        label="Faculty advisor",
        queryset=None,
        required=False,
        empty_label="— none —",
    )
    mentor = forms.CharField(
        label="Mentor's student ID",
        required=False,
        max_length=50,
        help_text="An older student at the school; leave empty for none.",
    )

    def __init__(self, *args, school: School, staff, student=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.student = student
        self.fields["advisor"].queryset = staff

    def clean_mentor(self):
        local_id = self.cleaned_data["mentor"].strip()
        if not local_id:
            return None
        mentor = mentor_by_local_id(self.school, local_id)
        if mentor is None:
            raise forms.ValidationError(
                f"No student with ID “{local_id}” at {self.school}."
            )
        return mentor


def _read_csv(upload, *, max_bytes: int) -> list[list[str]]:
    if upload.size > max_bytes:
        raise forms.ValidationError(
            f"The file is larger than {max_bytes // 1024} KB; split it in two."
        )
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise forms.ValidationError(
            "The file is not UTF-8 text; save it as “CSV UTF-8”."
        ) from None
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many locales save CSV with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as error:
        raise forms.ValidationError(
            f"Row {reader.line_num}: the file is not valid CSV ({error})."
        ) from None


class AdvisorUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: student_id, advisor_email, mentor_student_id, with a "
        "header row first.",
    )

    def clean_file(self) -> list[AdvisorRow]:
        lines = _read_csv(self.cleaned_data["file"], max_bytes=MAX_UPLOAD_BYTES)
        if not lines:
            raise forms.ValidationError("The file is empty.")
        header = [cell.strip().lower().replace(" ", "_") for cell in lines[0]]
        if "student_id" not in header or not (
            "advisor_email" in header or "mentor_student_id" in header
        ):
            raise forms.ValidationError(
                "Row 1 must name the columns student_id, advisor_email and "
                "mentor_student_id."
            )
        column = {
            name: header.index(name) for name in ADVISOR_COLUMNS if name in header
        }
        rows, errors = [], []
        for number, cells in enumerate(lines[1:], start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header) and any(
                c.strip() for c in cells[len(header) :]
            ):
                errors.append(
                    f"Row {number}: {len(cells)} cells for {len(header)} columns."
                )
                continue
            if any("\x00" in c for c in cells):
                # The database refuses NULs in text; no ID or e-mail holds one.
                errors.append(f"Row {number}: a cell holds a NUL character.")
                continue

            def cell(name, cells=cells):
                index = column.get(name)
                return cells[index] if index is not None and index < len(cells) else ""

            rows.append(
                AdvisorRow(
                    line=number,
                    student_id=cell("student_id"),
                    advisor_email=cell("advisor_email"),
                    mentor_student_id=cell("mentor_student_id"),
                )
            )
        if errors:
            raise forms.ValidationError(errors)
        if not rows:
            raise forms.ValidationError("The file has a header row but no students.")
        if len(rows) > MAX_UPLOAD_ROWS:
            raise forms.ValidationError(
                f"The file has {len(rows)} rows; upload at most {MAX_UPLOAD_ROWS} "
                "at a time."
            )
        return rows


# Caseloads ---------------------------------------------------------------------


def grade_choices(school: School) -> list[tuple]:
    return [
        (value, label)
        for value, label in GradeLevel.choices
        if school.lowest_grade <= value <= school.highest_grade
    ]


class LetterField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=20, required=False, **kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        if value and not name_key(value):
            raise forms.ValidationError("Use letters, e.g. A or Mc.")
        return value[:1].upper() + value[1:] if value else value


class CaseloadRuleForm(forms.Form):
    counselor = CounselorChoiceField(
        label="Counselor", queryset=None, required=False, empty_label="Choose…"
    )
    last_name_from = LetterField(label="Last names from")
    last_name_to = LetterField(label="to")
    grade_level = forms.TypedChoiceField(
        label="Grade", coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, school: School, counselors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counselor"].queryset = counselors
        self.fields["grade_level"].choices = [("", "Any grade"), *grade_choices(school)]
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            else:
                field.widget.attrs["class"] = "form-control"
                field.widget.attrs["size"] = 6

    def _post_clean(self):
        super()._post_clean()
        mark_invalid(self)

    def clean(self):
        data = super().clean()
        if data.get("DELETE") or self.is_blank:
            return data
        if not data.get("counselor"):
            self.add_error("counselor", "Choose the counselor.")
        return data

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (
            data.get("counselor")
            or data.get("last_name_from")
            or data.get("last_name_to")
            or data.get("grade_level") is not None
        )

    @property
    def spec(self) -> RuleSpec | None:
        data = self.cleaned_data
        if data.get("DELETE") or self.is_blank or not data.get("counselor"):
            return None
        return RuleSpec(
            counselor_id=data["counselor"].pk,
            last_name_from=data["last_name_from"],
            last_name_to=data["last_name_to"],
            grade_level=data["grade_level"],
        )


CaseloadRuleFormSet = forms.formset_factory(
    CaseloadRuleForm,
    formset=Rows,
    extra=3,
    can_delete=True,
    max_num=60,
    validate_max=True,
)


def rule_specs(formset) -> list[RuleSpec]:
    """The rules on the form, each knowing its row, blank and removed rows
    left out."""
    return [
        replace(spec, row=number)
        for number, form in enumerate(formset.forms, start=1)
        if (spec := form.spec) is not None
    ]


class StudentCounselorForm(forms.Form):
    student_id = forms.CharField(label="Student ID", max_length=50)
    counselor = CounselorChoiceField(
        label="Counselor", queryset=None, empty_label="Choose…"
    )

    def __init__(self, *args, counselors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counselor"].queryset = counselors
