"""Settings of the Celery workers that `test_worker_kill.py` starts and kills.

The project's settings, with Redis handing an unacknowledged task out again
after a few seconds instead of an hour, so the test does not wait an hour for
the killed worker's task to come back.
"""

import os

from plc.settings import *  # noqa: F403
from plc.settings import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": int(os.environ.get("TEST_VISIBILITY_TIMEOUT", "2")),
}
