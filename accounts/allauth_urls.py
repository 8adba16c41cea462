"""The parts of django-allauth PLC uses, under the names allauth reverses.

Log-in, log-out and the password pages are the product's own (accounts/urls.py);
the names allauth looks up lead to them. Sign-up and e-mail management are left
out: accounts and their addresses come from the roster import.
"""

from allauth.account import views as account_views
from django.urls import include, path

from accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="account_login"),
    path("logout/", views.LogoutView.as_view(), name="account_logout"),
    path("signup/", views.signup_closed, name="account_signup"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path(
        "reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"
    ),
    path(
        "password/change/",
        views.PasswordChangeView.as_view(),
        name="account_change_password",
    ),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(),
        name="account_reset_password",
    ),
    path("2fa/", include("allauth.mfa.urls")),
    path("sessions/", include("allauth.usersessions.urls")),
]
