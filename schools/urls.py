from django.urls import path

from schools import views

app_name = "schools"

urlpatterns = [
    path("students/", views.student_list, name="students"),
    path("students/<int:pk>/", views.student_detail, name="student"),
    path("sections/<int:pk>/", views.section_detail, name="section"),
]
