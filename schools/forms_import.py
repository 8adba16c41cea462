import zipfile

from django import forms
from django.template.defaultfilters import filesizeformat

from schools.imports import MAX_UPLOAD_BYTES, ImportTarget
from schools.oneroster.source import SourceError, zip_members_checked


class RosterUploadForm(forms.Form):
    target = forms.ChoiceField(label="Import into")
    file = forms.FileField(
        label="OneRoster export (.zip)",
        help_text=(
            "The zip your SIS or rostering hub exports: manifest.csv, orgs.csv, "
            "users.csv, classes.csv, enrollments.csv… in OneRoster 1.1 or 1.2."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def __init__(self, *args, targets: list[ImportTarget], **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {target.key: target for target in targets}
        self.fields["target"].choices = [(t.key, t.label) for t in targets]
        if len(targets) == 1:
            self.fields["target"].initial = targets[0].key
            self.fields["target"].help_text = "The only place you may import into."

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"This file is {filesizeformat(upload.size)}; the limit is "
                f"{filesizeformat(MAX_UPLOAD_BYTES)}."
            )
        if upload.size == 0:
            raise forms.ValidationError("This file is empty.")
        if not zipfile.is_zipfile(upload):
            raise forms.ValidationError(
                f"{upload.name} is not a zip file. Upload the .zip your SIS "
                "exported, or zip the OneRoster CSV files together."
            )
        # A zip bomb or an archive of thousands of files is refused here, before
        # anything is stored, rather than by the worker later.
        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as archive:
                zip_members_checked(archive)
        except zipfile.BadZipFile as error:
            raise forms.ValidationError(
                f"{upload.name} is not a readable zip file ({error})."
            ) from None
        except SourceError as error:
            raise forms.ValidationError(str(error)) from None
        upload.seek(0)
        return upload

    def clean_target(self) -> ImportTarget:
        return self.targets[self.cleaned_data["target"]]
