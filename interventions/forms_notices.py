"""The form of the school's parent letter. It checks the shape of input; the
service refuses a placeholder the letter cannot fill."""

from django import forms


class LetterTemplateForm(forms.Form):
    subject = forms.CharField(
        max_length=200,
        help_text="The e-mail's subject line and the letter's heading.",
    )
    body = forms.CharField(
        label="Letter",
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "true"}),
        help_text="Plain words a parent reads. Placeholders in braces, such as "
        "{first_name}, are filled in for each family.",
    )
