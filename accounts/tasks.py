from celery import shared_task
from django.contrib.sessions.models import Session
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone


# SMTP errors are OSErrors: a mail server that is down or busy is tried again,
# waiting longer each time, and after five tries the task fails and is logged.
@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def send_email(
    *, subject: str, body: str, to: list[str], html_body: str | None = None
) -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()


@shared_task
def purge_expired_sessions() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def drain_outbox() -> int:
    """Publish the queued tasks the broker did not take when their change
    committed (accounts/outbox.py); the number sent."""
    from accounts.outbox import outbox_drain

    return outbox_drain().sent
