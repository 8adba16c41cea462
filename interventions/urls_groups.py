from django.urls import path

from interventions import views_groups

urlpatterns = [
    path("groups/", views_groups.group_list, name="groups"),
    path("groups/new/<int:school_pk>/", views_groups.group_create, name="group_create"),
    path("groups/<int:pk>/", views_groups.group_detail, name="group"),
    path("groups/<int:pk>/edit/", views_groups.group_edit, name="group_edit"),
    path("groups/<int:pk>/place/", views_groups.placement_create, name="group_place"),
    path(
        "groups/<int:pk>/placements/<int:placement_pk>/end/",
        views_groups.placement_end,
        name="placement_end",
    ),
    path("groups/<int:pk>/attendance/", views_groups.attendance, name="attendance"),
]
