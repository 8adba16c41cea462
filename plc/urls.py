from django.contrib import admin
from django.urls import include, path

from plc.views import healthz

admin.site.site_header = "PLC administration"
admin.site.site_title = "PLC admin"

urlpatterns = [
    path("", include("dashboards.urls")),
    path("accounts/", include("accounts.urls")),
    path("roster/", include("schools.urls")),
    path("teams/", include("teams.urls")),
    path("assessments/", include("assessments.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
