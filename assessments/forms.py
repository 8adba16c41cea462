from django import forms
from django.forms import formset_factory

from assessments.models import CommonAssessment
from teams.models import EssentialOutcome

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = CommonAssessment
        fields = ["course", "title", "administered_on"]
        widgets = {"administered_on": DATE_INPUT}
        help_texts = {
            "administered_on": "The day students take it: scores combine in this order."
        }

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = team.courses.order_by("title")
        self.fields["course"].empty_label = None
        if self.instance.pk:
            del self.fields["course"]


class ItemForm(forms.Form):
    """One row of the item table; rows left empty are skipped, and items are
    numbered in the order of the rows."""

    label = forms.CharField(max_length=100, required=False, label="Label")
    max_points = forms.DecimalField(
        min_value=0.01, max_digits=6, decimal_places=2, label="Points", required=False
    )
    outcome = forms.ModelChoiceField(
        queryset=EssentialOutcome.objects.none(),
        label="Essential outcome",
        required=False,
    )

    def __init__(self, *args, outcomes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = outcomes
        self.fields["outcome"].label_from_instance = lambda o: (
            f"{o.code} — {o.statement}"
        )

    def clean(self):
        data = super().clean()
        points, outcome = data.get("max_points"), data.get("outcome")
        if (points is None) != (outcome is None) and not self.errors:
            if points is None:
                self.add_error("max_points", "How many points is this item worth?")
            else:
                self.add_error("outcome", "Which essential outcome does it measure?")
        return data

    @property
    def is_item(self) -> bool:
        return bool(
            self.cleaned_data.get("max_points") and self.cleaned_data.get("outcome")
        )


ItemFormSet = formset_factory(ItemForm, extra=0)


class CutForm(forms.Form):
    outcome_id = forms.IntegerField(widget=forms.HiddenInput)
    mastery_cut = forms.DecimalField(
        min_value=0, max_value=100, decimal_places=2, label="Mastery cut (%)"
    )
    exceeds_cut = forms.DecimalField(
        min_value=0, max_value=100, decimal_places=2, label="Exceeds cut (%)"
    )

    def clean(self):
        data = super().clean()
        cut, exceeds = data.get("mastery_cut"), data.get("exceeds_cut")
        if cut is not None and exceeds is not None and cut > exceeds:
            self.add_error(
                "exceeds_cut", "The exceeds cut must be at least the mastery cut."
            )
        return data


CutFormSet = formset_factory(CutForm, extra=0)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why do the results need to change?",
    )


class RetakeForm(forms.Form):
    administered_on = forms.DateField(widget=DATE_INPUT, label="Retake date")
    title = forms.CharField(
        max_length=200, required=False, help_text="Leave empty for “… — retake”."
    )
