"""Forms check the shape of input; the services check the rules across rows."""

import csv
import io
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q

from schools.models import Course
from teams.models import (
    DEFAULT_MASTERY_METHOD,
    DEFAULT_MASTERY_N,
    DEFAULT_MASTERY_WEIGHT,
    WEIGHTED_METHODS,
    MasteryMethod,
    Meeting,
    SchoolGoal,
    Team,
    TeamMembership,
)
from teams.services import OutcomeRow, parse_lines, parse_standards

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
MAX_IMPORT_BYTES = 512 * 1024
MAX_IMPORT_ROWS = 500
IMPORT_COLUMNS = ("code", "statement", "standards", "unit")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name or obj.email} ({obj.email})"


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.email


class TeamForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(label="Kind of team", choices=Team.Kind.choices)
    courses = forms.ModelMultipleChoiceField(
        queryset=Course.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The team's students are those enrolled in these courses this term.",
    )
    mastery_method = forms.ChoiceField(
        label="Mastery method",
        choices=MasteryMethod.choices,
        initial=DEFAULT_MASTERY_METHOD,
        help_text="How a student's scores on an outcome combine; an outcome may "
        "override it.",
    )
    mastery_weight = forms.DecimalField(
        label="Weight of the newest score",
        max_digits=3,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(1),
        initial=DEFAULT_MASTERY_WEIGHT,
        help_text="For decaying average and weighted latest.",
    )
    mastery_n = forms.IntegerField(
        label="Proficient scores needed",
        min_value=1,
        max_value=20,
        initial=DEFAULT_MASTERY_N,
        help_text="For “proficient n times”.",
    )

    def __init__(self, *args, school, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The school's active courses, and any the team already has: a course
        # the roster deactivated stays on its team's form, so saving the team
        # neither drops it nor is refused for it.
        offered = Q(is_active=True)
        if team is not None:
            offered |= Q(pk__in=team.courses.values("pk"))
        self.fields["courses"].queryset = Course.objects.filter(
            offered, school=school
        ).order_by("title")


class MemberForm(forms.Form):
    user = PersonChoiceField(label="Staff member", queryset=None)
    role = forms.ChoiceField(
        choices=TeamMembership.Role.choices, initial=TeamMembership.Role.MEMBER
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=TeamMembership.Role.choices)


class NormsForm(forms.Form):
    norms = forms.CharField(
        label="Norms, one per line, in order",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="The protocols the team agreed to work by, "
        "e.g. “We start and end on time.”",
    )

    def clean_norms(self):
        return parse_lines(self.cleaned_data["norms"])


class CommitmentsForm(forms.Form):
    mission = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the school exists: its fundamental purpose.",
    )
    vision = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the school seeks to become.",
    )
    values = forms.CharField(
        label="Collective commitments",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What each adult promises to do; one commitment per line.",
    )


class SchoolGoalForm(forms.Form):
    pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label="Goal", max_length=200, required=False)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(label="Current", required=False, initial=True)

    def clean(self):
        data = super().clean()
        if data.get("pk") and not data.get("title"):
            self.add_error("title", "A goal needs a title; untick “Current” instead.")
        return data


SchoolGoalFormSet = forms.formset_factory(SchoolGoalForm, extra=2, max_num=30)


class MasteryFields(forms.Form):
    mastery_method = forms.ChoiceField(
        label="Mastery method",
        required=False,
        help_text="Leave on “Team default” unless this outcome needs its own.",
    )
    mastery_weight = forms.DecimalField(
        label="Weight of the newest score",
        required=False,
        max_digits=3,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(1),
        help_text="Decaying average and weighted latest only; empty: the team's.",
    )
    mastery_n = forms.IntegerField(
        label="Proficient scores needed",
        required=False,
        min_value=1,
        max_value=20,
        help_text="“Proficient n times” only; empty: the team's.",
    )

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mastery_method"].choices = [
            ("", f"Team default: {team.get_mastery_method_display()}"),
            *MasteryMethod.choices,
        ]

    def clean(self):
        data = super().clean()
        method = data.get("mastery_method")
        # Parameters of another method would be silently ignored: drop them.
        if method not in WEIGHTED_METHODS:
            data["mastery_weight"] = None
        if method != MasteryMethod.N_MASTERY:
            data["mastery_n"] = None
        return data


class OutcomeForm(MasteryFields):
    course = forms.ModelChoiceField(queryset=Course.objects.none())
    code = forms.CharField(
        max_length=30, help_text="Unique in the team, e.g. ALG1.EO3."
    )
    statement = forms.CharField(
        label="Student-friendly statement",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What the student can do, in their words: “I can …”.",
    )
    standards = forms.CharField(
        label="Aligned standards",
        required=False,
        max_length=500,
        help_text="Standard codes separated by commas, e.g. A-REI.B.3, A-CED.A.1.",
    )
    unit = forms.CharField(max_length=100, required=False)

    field_order = ["course", "code", "statement", "standards", "unit"]

    def __init__(self, *args, team: Team, courses, **kwargs):
        super().__init__(*args, team=team, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(
            pk__in=[c.pk for c in courses]
        ).order_by("title")
        if len(courses) == 1:
            self.fields["course"].initial = courses[0].pk

    def clean_standards(self):
        return parse_standards(self.cleaned_data["standards"])


class RetireForm(forms.Form):
    reason = forms.CharField(label="Why (optional)", max_length=300, required=False)


class OutcomeImportForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.none())
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: code, statement, standards, unit (a header row first). "
        "Separate several standards in one cell with semicolons.",
    )

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(
            pk__in=[c.pk for c in courses]
        ).order_by("title")
        if len(courses) == 1:
            self.fields["course"].initial = courses[0].pk

    def clean_file(self) -> list[OutcomeRow]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 512 KB.")
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text; save it as “CSV UTF-8”."
            ) from None
        first_line = text.split("\n", 1)[0]
        # Spreadsheets in many locales save CSV with semicolons.
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            lines = list(reader)
        except csv.Error as error:
            raise forms.ValidationError(
                f"Row {reader.line_num}: the file is not valid CSV ({error})."
            ) from None
        if not lines:
            raise forms.ValidationError("The file is empty.")
        header = [cell.strip().lower() for cell in lines[0]]
        missing = [name for name in ("code", "statement") if name not in header]
        if missing:
            raise forms.ValidationError(
                f"Row 1 must name the columns {', '.join(IMPORT_COLUMNS)}; "
                f"missing: {', '.join(missing)}."
            )
        column = {name: header.index(name) for name in IMPORT_COLUMNS if name in header}
        rows, errors = [], []
        for number, cells in enumerate(lines[1:], start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                errors.append(
                    f"Row {number}: {len(cells)} cells for {len(header)} columns; "
                    "put quotes around a statement that contains a comma."
                )
                continue

            def cell(name, cells=cells):
                index = column.get(name)
                return cells[index] if index is not None and index < len(cells) else ""

            rows.append(
                OutcomeRow(
                    line=number,
                    code=cell("code"),
                    statement=cell("statement"),
                    standards=cell("standards"),
                    unit=cell("unit"),
                )
            )
        if errors:
            raise forms.ValidationError(errors)
        if len(rows) > MAX_IMPORT_ROWS:
            raise forms.ValidationError(
                f"The file has {len(rows)} outcomes; import at most "
                f"{MAX_IMPORT_ROWS} at a time."
            )
        return rows


class GoalForm(forms.Form):
    scope = forms.ChoiceField(
        label="Students proficient on",
        help_text="One essential outcome, or every essential outcome of a course.",
    )
    target = forms.DecimalField(
        label="Target (% proficient)",
        max_digits=4,
        decimal_places=1,
        validators=PERCENT,
    )
    deadline = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    school_goal = forms.ModelChoiceField(
        label="Advances the school goal",
        queryset=SchoolGoal.objects.none(),
        required=False,
        empty_label="— none —",
    )
    baseline_override = forms.DecimalField(
        label="Baseline override (%)",
        required=False,
        max_digits=4,
        decimal_places=1,
        validators=PERCENT,
        help_text="Leave empty to keep the baseline computed from results.",
    )
    baseline_override_reason = forms.CharField(
        label="Why the baseline is overridden",
        required=False,
        max_length=300,
    )

    def __init__(self, *args, team: Team, outcome_groups, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for group in outcome_groups:
            choices.append(
                (
                    group.course.title,
                    [
                        (
                            f"course:{group.course.pk}",
                            f"All essential outcomes of {group.course.title}",
                        )
                    ]
                    + [
                        (f"outcome:{o.pk}", f"{o.code} — {o.statement}")
                        for o in group.outcomes
                    ],
                )
            )
        self.fields["scope"].choices = [("", "Choose…"), *choices]
        self.fields["school_goal"].queryset = SchoolGoal.objects.filter(
            school_id=team.school_id, is_active=True
        )
        if editing:
            del self.fields["scope"]

    def clean_scope(self):
        value = self.cleaned_data["scope"]
        kind, _, pk = value.partition(":")
        return kind, int(pk)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(choices=Meeting.Kind.choices, initial=Meeting.Kind.TEAM)
    held_on = forms.DateField(
        label="Date", widget=forms.DateInput(attrs={"type": "date"})
    )
    starts_at = forms.TimeField(
        label="Start time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    attendees = PeopleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    agenda = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    decisions = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members


class ActionItemForm(forms.Form):
    title = forms.CharField(label="What", max_length=300)
    owner = forms.ModelChoiceField(
        label="Who", queryset=None, required=False, empty_label="— nobody yet —"
    )
    due_on = forms.DateField(
        label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members
        self.fields["owner"].label_from_instance = lambda u: u.full_name or u.email
