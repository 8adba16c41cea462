"""Routes of what's new, the school's parent letter and a case's letters."""

from django.urls import path

from interventions import views_notices as views

urlpatterns = [
    path("whats-new/", views.whats_new, name="whats_new"),
    path(
        "schools/<int:school_pk>/parent-letter/",
        views.letter_template,
        name="letter_template",
    ),
    path(
        "cases/<int:pk>/letters/<int:notice_pk>/",
        views.notice_letter,
        name="notice_letter",
    ),
    path(
        "cases/<int:pk>/letters/<int:notice_pk>/sent-home/",
        views.notice_sent_home,
        name="notice_sent_home",
    ),
]
