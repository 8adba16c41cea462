"""Each area of the ladder keeps its routes beside its views."""

from interventions import (
    urls_case,
    urls_caseload,
    urls_extension,
    urls_groups,
    urls_ladder,
    urls_notices,
    urls_open,
)

app_name = "interventions"

urlpatterns = [
    *urls_caseload.urlpatterns,
    *urls_case.urlpatterns,
    *urls_open.urlpatterns,
    *urls_groups.urlpatterns,
    *urls_ladder.urlpatterns,
    *urls_extension.urlpatterns,
    *urls_notices.urlpatterns,
]
