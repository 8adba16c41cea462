"""The form that opens a case by hand. It checks the shape of the input and
that the course and outcomes are the student's; the service checks the rules
across rows (outcomes of the chosen course, a ladder to start on)."""

from django import forms

from interventions.open_selectors import Opening
from schools.models import Course
from teams.models import EssentialOutcome

REASON_REQUIRED = "Say why the case opens: the reason is kept on the record."


class CaseOpenForm(forms.Form):
    course = forms.ModelChoiceField(
        queryset=Course.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Choose the course the case is for.",
            "invalid_choice": "Choose one of the student's current courses.",
        },
    )
    outcomes = forms.ModelMultipleChoiceField(
        label="Essential outcomes",
        queryset=EssentialOutcome.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one essential outcome.",
            "invalid_choice": "Choose from the essential outcomes of the "
            "student's courses.",
        },
    )
    reason = forms.CharField(
        label="Why open the case now?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="For example, a teacher's referral or a parent's request. Kept "
        "on the case's record with your name.",
        error_messages={"required": REASON_REQUIRED},
    )

    def __init__(self, *args, opening: Opening, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(
            pk__in=[c.course.pk for c in opening.choices]
        )
        self.fields["outcomes"].queryset = EssentialOutcome.objects.filter(
            pk__in=[o.outcome.pk for c in opening.choices for o in c.outcomes]
        ).order_by("position", "code")

    def selected_outcomes(self) -> set[str]:
        """The outcome pks ticked on a refused form, to tick them again."""
        if not self.is_bound:
            return set()
        return set(self.data.getlist(self.add_prefix("outcomes")))
