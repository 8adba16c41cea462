"""Forms of the data page and the results upload."""

from django import forms

from assessments.uploads import MAX_BYTES
from teams.models import Meeting


class DataMeetingForm(forms.Form):
    meeting = forms.ModelChoiceField(
        queryset=Meeting.objects.none(),
        required=False,
        label="Data meeting",
        empty_label="No meeting chosen",
        help_text="The team meeting where these results are discussed.",
    )

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["meeting"].label_from_instance = lambda meeting: (
            f"{meeting.held_on:%a %-d %b %Y} — {meeting.get_kind_display()}"
        )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Results file (CSV or Excel .xlsx)",
        help_text="One row per student: a “Student ID” column and one column per "
        "item, named by its number (“1”, “Q1” or “Item 1”).",
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,.txt,text/csv,application/vnd."
                "openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; upload one "
                "class at a time."
            )
        return upload
