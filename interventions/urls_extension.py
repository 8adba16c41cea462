from django.urls import path

from interventions import views_extension

urlpatterns = [
    path(
        "schools/<int:school_pk>/extension/",
        views_extension.extension,
        name="extension",
    ),
]
