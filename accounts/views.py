from allauth.account.views import LoginView as AllauthLoginView
from allauth.usersessions.internal.flows.sessions import end_other_sessions
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy

from accounts.forms import QueuedPasswordResetForm


class LoginView(AllauthLoginView):
    """allauth's log-in (failed-attempt limits, then the two-factor step for
    those who have it) on the product's own page."""

    template_name = "accounts/login.html"


class LogoutView(auth_views.LogoutView):
    """Logging out ends every session of the person, on every device: a teacher
    who logs out at home is not still logged in on the staff-room computer."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            end_other_sessions(request, request.user)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """A new password ends the person's other sessions and keeps this one."""

    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        end_other_sessions(self.request, self.request.user)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


def signup_closed(request):
    # Accounts come from the roster import; the address allauth would offer for
    # signing up leads to log-in.
    return HttpResponseRedirect(reverse("accounts:login"))


def admin_login(request):
    """The admin's own log-in form would skip the failed-attempt limits and the
    two-factor step, so operators log in like everyone else."""
    return redirect_to_login(request.GET.get("next", reverse("admin:index")))
