"""Forms of the case page. They check the shape of input; the services check the
rules across rows (a signature before its meeting, a move past the top rung)."""

from decimal import Decimal

from django import forms
from django.utils import timezone

from interventions.models import Contract, ParentContact, ProgressCheck, Signature
from schools.models import Guardian

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON_REQUIRED = "Say why: the decision is kept on the record."


class GuardianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.first_name} {obj.last_name} ({obj.get_relationship_display()})"


class ActionDoneForm(forms.Form):
    done = forms.TypedChoiceField(
        choices=[("1", "Done"), ("0", "Not done")],
        coerce=lambda value: value == "1",
        initial="1",
    )
    note = forms.CharField(required=False, max_length=2000)


class ProgressCheckForm(forms.Form):
    checked_on = forms.DateField(
        label="Date", initial=timezone.localdate, widget=DATE_INPUT
    )
    progress = forms.ChoiceField(
        choices=ProgressCheck.Progress.choices, widget=forms.RadioSelect
    )
    score = forms.DecimalField(
        label="Score (%)",
        required=False,
        max_digits=4,
        decimal_places=1,
        min_value=Decimal(0),
        max_value=Decimal(100),
        help_text="Optional: a quick check of the outcome, as a percentage.",
    )
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class ParentContactForm(forms.Form):
    contacted_on = forms.DateField(
        label="Date", initial=timezone.localdate, widget=DATE_INPUT
    )
    method = forms.ChoiceField(choices=ParentContact.Method.choices)
    guardian = GuardianChoiceField(
        queryset=Guardian.objects.none(),
        required=False,
        empty_label="The family (no one guardian)",
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="What was said, and what was agreed.",
        error_messages={"required": "Say what was discussed."},
    )
    parents_informed = forms.TypedChoiceField(
        label="Were the parents informed?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )
    not_informed_reason = forms.CharField(
        label="If not, why?",
        required=False,
        max_length=300,
        help_text="For example: no answer at either number; letter returned.",
    )

    def __init__(self, *args, guardians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = guardians


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": "Write the note."},
    )
    confidential = forms.BooleanField(
        label="Confidential: counselors and principals only",
        required=False,
        help_text="Others will see that a restricted note exists, not what it says.",
    )

    def __init__(self, *args, may_restrict: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_restrict:
            del self.fields["confidential"]


class DecisionForm(forms.Form):
    """A counselor's or principal's decision on a case, always with a reason."""

    decision = forms.ChoiceField(
        widget=forms.RadioSelect, error_messages={"required": "Choose a decision."}
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="Kept on the case's record with your name.",
        error_messages={"required": REASON_REQUIRED},
    )

    def __init__(self, *args, lower=None, higher=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            ("up", f"Move up to “{higher.name}” (tier {higher.tier})")
            if higher
            else ("up", "Move up a rung (this is the top rung)"),
            ("down", f"Move down to “{lower.name}” (tier {lower.tier})")
            if lower
            else ("down", "Move down a rung (this is the first rung)"),
            ("exit", "Exit: the student has learned the outcomes"),
            ("refer", "Refer to the student support team"),
            ("close", "Close for another reason (left the course or school)"),
        ]

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(REASON_REQUIRED)
        return reason


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "meeting_on",
            "student_commitment",
            "parent_commitment",
            "school_commitment",
        ]
        widgets = {
            "meeting_on": DATE_INPUT,
            "student_commitment": forms.Textarea(attrs={"rows": 3}),
            "parent_commitment": forms.Textarea(attrs={"rows": 3}),
            "school_commitment": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "meeting_on": "The meeting at school where everyone signs.",
            "student_commitment": "In words the student will read and sign.",
        }


# What a guided study hall's contract usually says; the counselor edits it.
CONTRACT_SUGGESTIONS = {
    "student_commitment": (
        "Go to the guided study hall every day, bring the homework that is due "
        "and finish it before I leave. Ask the teacher for help when I am stuck."
    ),
    "parent_commitment": (
        "Ask every evening what homework is due and check it is done. Keep in "
        "touch with the counselor and answer the school's calls."
    ),
    "school_commitment": (
        "Keep a seat in the guided study hall, tell the supervisor what homework "
        "is due, check progress every week and call home with how it is going."
    ),
}


class SignatureForm(forms.Form):
    party = forms.ChoiceField(label="Who signed", choices=Signature.Party.choices)
    guardian = GuardianChoiceField(
        queryset=Guardian.objects.none(),
        required=False,
        help_text="For a parent or guardian.",
    )
    name = forms.CharField(
        label="Name as signed",
        max_length=200,
        required=False,
        help_text="Left empty for a guardian, the guardian's name is used.",
    )
    signed_on = forms.DateField(
        label="Signed on", initial=timezone.localdate, widget=DATE_INPUT
    )

    def __init__(self, *args, guardians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = guardians

    def clean(self):
        data = super().clean()
        guardian = data.get("guardian")
        if data.get("party") == Signature.Party.GUARDIAN:
            if guardian is None:
                self.add_error("guardian", "Choose which guardian signed.")
            elif not data.get("name", "").strip():
                data["name"] = f"{guardian.first_name} {guardian.last_name}"
        else:
            data["guardian"] = None
        return data
