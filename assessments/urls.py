from django.urls import path, re_path

from assessments import views, views_data, views_entry, views_upload

app_name = "assessments"

urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("new/<int:team_pk>/", views.assessment_create, name="create"),
    path("team/<int:team_pk>/", views.team_assessments, name="team"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/build/", views.assessment_build, name="build"),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<action>open|finalize|reopen|retake)/$",
        views.assessment_transition,
        name="transition",
    ),
    path("<int:pk>/sections/<int:section_pk>/", views_entry.entry_grid, name="grid"),
    path(
        "<int:pk>/sections/<int:section_pk>/cell/",
        views_entry.entry_cell,
        name="cell",
    ),
    path(
        "<int:pk>/sections/<int:section_pk>/paste/",
        views_entry.entry_paste,
        name="paste",
    ),
    path(
        "<int:pk>/sections/<int:section_pk>/students/<int:student_pk>/history/",
        views_entry.score_history,
        name="history",
    ),
]

urlpatterns += [
    path("<int:pk>/data/", views_data.data_page, name="data"),
    path(
        "<int:pk>/data/students/<slug:which>/<int:outcome_pk>/",
        views_data.data_students,
        name="data_students",
    ),
    path(
        "<int:pk>/reteach/<int:item_pk>/",
        views.reteach_done,
        name="reteach_done",
    ),
    re_path(
        r"^(?P<pk>[0-9]+)/data/(?P<table>[a-z-]+)\.csv$",
        views_data.data_export,
        name="data_export",
    ),
    path(
        "<int:pk>/data/meeting/",
        views_data.data_meeting_pick,
        name="data_meeting",
    ),
    path(
        "<int:pk>/sections/<int:section_pk>/upload/",
        views_upload.upload,
        name="upload",
    ),
    path(
        "<int:pk>/sections/<int:section_pk>/upload/template.csv",
        views_upload.upload_template,
        name="upload_template",
    ),
]
