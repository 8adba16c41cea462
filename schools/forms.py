from django import forms

from schools.models import GradeLevel


class StudentSearchForm(forms.Form):
    q = forms.CharField(
        label="Name or student ID",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    grade = forms.TypedChoiceField(
        label="Grade",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "All grades"), *GradeLevel.choices],
    )
