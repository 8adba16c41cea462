import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.outbox import outbox_health


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as error:
        return f"down: {type(error).__name__}"


def _broker_state() -> str:
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
        return "ok"
    except Exception as error:
        return f"down: {type(error).__name__}"


def _outbox_state() -> str:
    """Work owed to the workers that is not reaching them: messages given up
    after too many attempts, or still unsent after minutes (accounts/outbox.py)."""
    try:
        problems = outbox_health().problems
    except Exception as error:
        return f"unknown: {type(error).__name__}"
    return "failing: " + "; ".join(problems) if problems else "ok"


def _reviews_state() -> str:
    """The daily review of cases: failed, or not run by two hours after its hour
    (interventions/review_status.py)."""
    from interventions.review_status import review_status
    from schools.models import School

    try:
        statuses = review_status(
            list(School.objects.filter(is_active=True).values_list("pk", flat=True))
        )
    except Exception as error:
        return f"unknown: {type(error).__name__}"
    problems = [status.problem for status in statuses if not status.healthy]
    return "failing: " + "; ".join(problems) if problems else "ok"


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: 200 when the database and broker answer,
    the tasks queued for the workers reach them, and each school's daily review
    of cases ran."""
    checks = {
        "database": _database_state(),
        "broker": _broker_state(),
        "outbox": _outbox_state(),
        "reviews": _reviews_state(),
    }
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", **checks},
        status=200 if healthy else 503,
    )
