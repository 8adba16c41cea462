from django.urls import path

from interventions import views_caseload

urlpatterns = [
    path("caseload/", views_caseload.caseload, name="caseload"),
]
