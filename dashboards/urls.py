from django.urls import path

from dashboards import views, views_school, views_story

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("schools/<int:school_id>/dashboard/", views_school.school, name="school"),
    path(
        "schools/<int:school_id>/dashboard/students/",
        views_school.drilldown,
        name="school_students",
    ),
    path(
        "schools/<int:school_id>/dashboard/<slug:table>.csv",
        views_school.school_export,
        name="school_export",
    ),
    path("district/", views_school.district, name="district"),
    path("dashboard/", views_school.mine, name="mine"),
    path("students/<int:pk>/", views_story.student_story, name="student"),
    path(
        "students/<int:pk>/access/",
        views_story.student_access_record,
        name="student_access",
    ),
    path(
        "students/<int:pk>/access.csv",
        views_story.student_access_record_csv,
        name="student_access_csv",
    ),
]
