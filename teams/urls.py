from django.urls import path

from teams import views

app_name = "teams"

urlpatterns = [
    path("", views.team_list, name="list"),
    path("new/<int:school_pk>/", views.team_create, name="create"),
    path("<int:pk>/", views.workspace, name="workspace"),
    path("<int:pk>/edit/", views.team_edit, name="edit"),
    path("<int:pk>/archive/", views.team_archive, name="archive"),
    path("<int:pk>/history/", views.team_history, name="history"),
    path("<int:pk>/members/", views.team_members, name="members"),
    path(
        "<int:pk>/members/<int:membership_pk>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "<int:pk>/members/<int:membership_pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("<int:pk>/norms/", views.norms_edit, name="norms"),
    path("<int:pk>/outcomes/", views.outcome_list, name="outcomes"),
    path("<int:pk>/outcomes/new/", views.outcome_create, name="outcome_create"),
    path("<int:pk>/outcomes/import/", views.outcome_import, name="outcome_import"),
    path(
        "<int:pk>/outcomes/<int:outcome_pk>/edit/",
        views.outcome_edit,
        name="outcome_edit",
    ),
    path(
        "<int:pk>/outcomes/<int:outcome_pk>/retire/",
        views.outcome_retire,
        name="outcome_retire",
    ),
    path(
        "<int:pk>/outcomes/<int:outcome_pk>/restore/",
        views.outcome_restore,
        name="outcome_restore",
    ),
    path(
        "<int:pk>/outcomes/<int:outcome_pk>/move/",
        views.outcome_move,
        name="outcome_move",
    ),
    path("<int:pk>/goals/new/", views.goal_create, name="goal_create"),
    path("<int:pk>/goals/<int:goal_pk>/edit/", views.goal_edit, name="goal_edit"),
    path("<int:pk>/goals/<int:goal_pk>/close/", views.goal_close, name="goal_close"),
    path("<int:pk>/meetings/", views.meeting_list, name="meetings"),
    path("<int:pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/meetings/<int:meeting_pk>/", views.meeting_detail, name="meeting"),
    path(
        "<int:pk>/meetings/<int:meeting_pk>/edit/",
        views.meeting_edit,
        name="meeting_edit",
    ),
    path("actions/<int:item_pk>/done/", views.action_item_done, name="action_done"),
    path("schools/<int:school_pk>/", views.commitments, name="commitments"),
    path(
        "schools/<int:school_pk>/edit/",
        views.commitments_edit,
        name="commitments_edit",
    ),
    path("schools/<int:school_pk>/goals/", views.school_goals, name="school_goals"),
]
