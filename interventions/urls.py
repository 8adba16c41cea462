"""Each area of the ladder keeps its routes beside its views."""

from interventions import urls_caseload

app_name = "interventions"

urlpatterns = [
    *urls_caseload.urlpatterns,
]
