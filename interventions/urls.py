"""Each area of the ladder keeps its routes beside its views."""

from interventions import urls_case, urls_caseload

app_name = "interventions"

urlpatterns = [
    *urls_caseload.urlpatterns,
    *urls_case.urlpatterns,
]
