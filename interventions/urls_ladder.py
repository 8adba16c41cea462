"""Routes of the pages that set a school up for the ladder: the ladder, faculty
advisors and mentors, and caseloads."""

from django.urls import path

from interventions import views_ladder as views

urlpatterns = [
    path("ladder/", views.ladder_home, name="ladder_home"),
    path("schools/<int:school_pk>/ladder/", views.ladder, name="ladder"),
    path(
        "schools/<int:school_pk>/ladder/install/",
        views.ladder_install,
        name="ladder_install",
    ),
    path(
        "schools/<int:school_pk>/ladder/rungs/new/",
        views.rung_add,
        name="ladder_rung_add",
    ),
    path(
        "schools/<int:school_pk>/ladder/rungs/<int:rung_pk>/edit/",
        views.rung_edit,
        name="ladder_rung_edit",
    ),
    path(
        "schools/<int:school_pk>/ladder/rungs/<int:rung_pk>/move/",
        views.rung_move,
        name="ladder_rung_move",
    ),
    path(
        "schools/<int:school_pk>/ladder/rungs/<int:rung_pk>/retire/",
        views.rung_retire,
        name="ladder_rung_retire",
    ),
    path(
        "schools/<int:school_pk>/ladder/rungs/<int:rung_pk>/restore/",
        views.rung_restore,
        name="ladder_rung_restore",
    ),
    path("schools/<int:school_pk>/advisors/", views.advisors, name="advisors"),
    path(
        "schools/<int:school_pk>/advisors/upload/",
        views.advisors_upload,
        name="advisors_upload",
    ),
    path(
        "schools/<int:school_pk>/advisors/<int:student_pk>/",
        views.advisor_assign,
        name="advisor_assign",
    ),
    path("schools/<int:school_pk>/caseloads/", views.caseloads, name="caseloads"),
    path(
        "schools/<int:school_pk>/caseloads/rules/",
        views.caseloads_rules,
        name="caseloads_rules",
    ),
    path(
        "schools/<int:school_pk>/caseloads/apply/",
        views.caseloads_apply,
        name="caseloads_apply",
    ),
    path(
        "schools/<int:school_pk>/caseloads/student/",
        views.caseloads_student,
        name="caseloads_student",
    ),
    path(
        "schools/<int:school_pk>/caseloads/student/<int:student_pk>/rules/",
        views.caseloads_follow_rules,
        name="caseloads_follow_rules",
    ),
]
