from django.urls import path

from interventions import views_open

urlpatterns = [
    path("cases/open/", views_open.case_open, name="case_open"),
]
