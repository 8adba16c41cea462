from django.urls import path

from interventions import views_case

urlpatterns = [
    path("cases/<int:pk>/", views_case.case_detail, name="case"),
    path("cases/<int:pk>/history/", views_case.case_history, name="case_history"),
    path(
        "cases/<int:pk>/actions/<int:action_pk>/",
        views_case.case_action_done,
        name="case_action_done",
    ),
    path("cases/<int:pk>/checks/", views_case.case_check_add, name="case_check_add"),
    path(
        "cases/<int:pk>/contacts/",
        views_case.case_contact_add,
        name="case_contact_add",
    ),
    path("cases/<int:pk>/notes/", views_case.case_note_add, name="case_note_add"),
    path("cases/<int:pk>/decision/", views_case.case_decide, name="case_decide"),
    path(
        "cases/<int:pk>/contract/",
        views_case.case_contract_create,
        name="case_contract_create",
    ),
    path(
        "cases/<int:pk>/contract/<int:contract_pk>/sign/",
        views_case.case_contract_sign,
        name="case_contract_sign",
    ),
    path(
        "cases/<int:pk>/contract/<int:contract_pk>/print/",
        views_case.contract_print,
        name="contract_print",
    ),
]
