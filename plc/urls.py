from django.contrib import admin
from django.urls import include, path

from accounts.views import LogoutView, admin_login
from plc.views import healthz

admin.site.site_header = "PLC administration"
admin.site.site_title = "PLC admin"


def _superusers_only(request) -> bool:
    # The admin shows every district's records unscoped, so it is for the
    # site's operators alone; school staff work through the app's own pages.
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only

urlpatterns = [
    path("", include("dashboards.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("accounts.allauth_urls")),
    path("roster/", include("schools.urls")),
    path("teams/", include("teams.urls")),
    path("assessments/", include("assessments.urls")),
    path("interventions/", include("interventions.urls")),
    path("admin/login/", admin_login),
    # Leaving the admin logs the operator out everywhere, as the product's own
    # log-out does; the admin's own would end this session only.
    path("admin/logout/", LogoutView.as_view()),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
