from django.urls import path

from schools import views, views_import

app_name = "schools"

urlpatterns = [
    path("students/", views.student_list, name="students"),
    path("students/<int:pk>/", views.student_detail, name="student"),
    path("sections/<int:pk>/", views.section_detail, name="section"),
    path("import/", views_import.import_upload, name="import"),
    path("import/history/", views_import.import_history, name="import_history"),
    path("import/<int:pk>/", views_import.import_run_detail, name="import_run"),
    path(
        "import/<int:pk>/status/",
        views_import.import_run_status,
        name="import_run_status",
    ),
]
