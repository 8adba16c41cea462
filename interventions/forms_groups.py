"""Forms for the group pages check the shape of input; the services check the
rules across rows (seats, who is in the group, days to come)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from interventions.group_selectors import WEEKDAYS, AttendanceSheet, school_staff
from interventions.models import Attendance, GroupKind
from schools.models import School, Student

HOMEWORK = {"yes": True, "no": False, "": None}
HOMEWORK_CHOICES = [("yes", "Yes"), ("no", "No"), ("", "Not set")]
MARK_CHOICES = Attendance.Mark.choices
FUTURE_DAY = "Attendance cannot be taken for a day to come."


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.email


class GroupForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="As students and staff call it, e.g. “Guided study hall P3”.",
    )
    kind = forms.ChoiceField(
        label="Kind of group",
        choices=GroupKind.choices,
        help_text="A rung of the ladder places its students in groups of its kind; "
        "extension groups are for students who already exceed.",
    )
    supervisor = PersonChoiceField(
        queryset=None,
        required=False,
        empty_label="No supervisor yet",
        help_text="Takes attendance and follows homework; any staff member of the "
        "school.",
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="Meets on",
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the days the group meets."},
    )
    period = forms.CharField(max_length=50, required=False, help_text="e.g. Period 3")
    room = forms.CharField(max_length=50, required=False)
    capacity = forms.IntegerField(
        label="Seats",
        required=False,
        min_value=1,
        max_value=500,
        error_messages={
            "min_value": "A group has at least one seat; leave it empty for no limit."
        },
        help_text="Empty for no limit. A guided study hall works with 10 or fewer.",
    )

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = school_staff(school.pk)


class PlaceForm(forms.Form):
    student = forms.ModelChoiceField(
        queryset=None,
        error_messages={
            "required": "Choose a student to place.",
            "invalid_choice": "That student is not at the group's school.",
        },
    )

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = Student.objects.filter(
            school=school, is_active=True
        )


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Find a student",
        required=False,
        max_length=100,
        help_text="Name or student ID.",
    )


class EndForm(forms.Form):
    reason = forms.CharField(label="Why?", required=False, max_length=300)


class DayForm(forms.Form):
    """The day whose attendance is shown: today, or a past day."""

    on = forms.DateField(
        label="Day",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the day as a date, e.g. 2026-10-05."},
    )

    def __init__(self, *args, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["on"].widget.attrs["max"] = self.today.isoformat()

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > self.today:
            raise forms.ValidationError(FUTURE_DAY)
        return on


class AttendanceForm(forms.Form):
    """One session's marks, sent as `mark-<student id>` (present, absent or
    excused) and `homework-<student id>` (yes, no or empty). Every student of
    the sheet needs a mark; whether each is in the group and each mark is one
    of ours is the service's rule, so a forged field is refused, not dropped."""

    LABELS = {"marks": "Marks", "homework": "Homework", "on": "Day", None: ""}

    def __init__(self, *args, sheet: AttendanceSheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.missing: set[int] = set()

    def clean(self):
        marks: dict[int, tuple[str, bool | None]] = {}
        for key in self.data:
            if not key.startswith("mark-"):
                continue
            try:
                student_id = int(key.removeprefix("mark-"))
            except ValueError:
                self.add_error(None, f"“{key}” is not a student of the list.")
                continue
            homework = self.data.get(f"homework-{student_id}", "")
            if homework not in HOMEWORK:
                self.add_error(None, f"“{homework}” is not yes, no or not set.")
                continue
            marks[student_id] = (self.data[key], HOMEWORK[homework])
        missing = [
            row.student for row in self.sheet.rows if row.student.pk not in marks
        ]
        if missing:
            self.missing = {s.pk for s in missing}
            names = ", ".join(s.full_name for s in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            self.add_error(
                None,
                f"Mark every student: {len(missing)} without a mark ({names}{more}).",
            )
        self.cleaned_data["marks"] = marks
        return self.cleaned_data

    def add_service_error(self, error) -> None:
        """A service refusal, kept with the name of the field it is about."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                label = self.LABELS.get(name, name.capitalize())
                for message in forms.ValidationError(errors).messages:
                    self.add_error(None, f"{label}: {message}" if label else message)
        else:
            for message in error.messages:
                self.add_error(None, message)

    @property
    def rows(self) -> list[dict]:
        """The sheet's rows with what was sent, when the form is re-shown."""
        rows = []
        for row in self.sheet.rows:
            mark = row.mark
            homework = {True: "yes", False: "no", None: ""}[row.homework]
            if self.is_bound:
                mark = self.data.get(f"mark-{row.student.pk}", "")
                homework = self.data.get(f"homework-{row.student.pk}", "")
            rows.append(
                {
                    "student": row.student,
                    "mark": mark,
                    "homework": homework,
                    "missing": row.student.pk in self.missing,
                }
            )
        return rows
