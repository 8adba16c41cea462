from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.template import loader

from accounts.outbox import enqueue
from accounts.tasks import send_email


class LoginForm(AllauthLoginForm):
    """allauth's log-in form (its failed-attempt limits included) with the
    product's labels; the page links to password reset itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"] = forms.EmailField(
            label="E-mail address",
            widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
        )
        self.fields["password"].label = "Password"
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs.pop("placeholder", None)


class QueuedPasswordResetForm(PasswordResetForm):
    """Sends the reset e-mail from a Celery worker, after the request commits."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(
            loader.render_to_string(subject_template_name, context).splitlines()
        )
        body = loader.render_to_string(email_template_name, context)
        html_body = (
            loader.render_to_string(html_email_template_name, context)
            if html_email_template_name
            else None
        )
        # Django's reset form sends outside any transaction; the outbox needs one.
        with transaction.atomic():
            enqueue(
                send_email,
                subject=subject,
                body=body,
                to=[to_email],
                html_body=html_body,
            )
