"""The settings of a load-test run: production's, but static files are read
from their sources, since the simulated staff ask for pages, not for CSS, and
`collectstatic` would only make the run slower to start."""

from plc.settings import *  # noqa: F403
from plc.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
