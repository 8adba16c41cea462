from django.urls import path, re_path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("new/<int:team_pk>/", views.assessment_create, name="create"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/build/", views.assessment_build, name="build"),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<action>open|finalize|reopen|retake)/$",
        views.assessment_transition,
        name="transition",
    ),
    path("<int:pk>/sections/<int:section_pk>/", views.entry_grid, name="grid"),
    path(
        "<int:pk>/sections/<int:section_pk>/cell/",
        views.entry_cell,
        name="cell",
    ),
]
