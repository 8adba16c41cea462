"""The daily digest: one e-mail per person with each unread line once, nothing
sent twice, nobody mailed who has nothing new (docs/domain.md, "Cases")."""

import datetime
import threading

import pytest
from django.db import connection, transaction

from interventions import digest
from interventions.models import Notification
from interventions.notifications import notifications_mark_read, notify
from interventions.tasks import send_daily_digests

pytestmark = pytest.mark.django_db

MORNING = datetime.datetime(2026, 3, 3, 13, tzinfo=datetime.UTC)  # 7 a.m. Chicago
NEXT_MORNING = MORNING + datetime.timedelta(days=1)
KIND = Notification.Kind


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://plc.example.org"


@pytest.fixture
def news(cast):
    """The teacher has two new lines, the counselor one new and one read, the
    principal only a read one; the interventionist has nothing."""
    cast.teacher.first_name = "Ana"
    cast.teacher.save()
    notify(
        users=[cast.teacher],
        kind=KIND.NEW_ACTIONS,
        text="New action for Jordan Reyes in Algebra 1 (Support): Talk with "
        "the student about the outcome",
        url="/interventions/cases/7/#actions",
    )
    notify(
        users=[cast.teacher, cast.counselor],
        kind=KIND.PLAN_NOT_DELIVERED,
        text="Plan not delivered for Sam Lee in Biology: 2 actions not done",
        url="/interventions/cases/8/",
    )
    for user in (cast.counselor, cast.principal):
        notify(users=[user], kind=KIND.GROUP_FULL, text="Already seen")
        notifications_mark_read(
            user=user,
            ids=list(
                Notification.objects.filter(
                    user=user, kind=KIND.GROUP_FULL
                ).values_list("pk", flat=True)
            ),
        )
    return cast


def test_one_e_mail_per_person_with_each_unread_line_once(news, mailoutbox):
    run = digest.digests_send(now=MORNING)
    assert (run.people, run.items, run.failed) == (2, 3, 0)
    by_person = {tuple(m.to): m for m in mailoutbox}
    assert set(by_person) == {(news.teacher.email,), (news.counselor.email,)}

    teacher = by_person[(news.teacher.email,)]
    assert teacher.subject == "PLC: 2 new items for you, 3 Mar"
    assert teacher.body == (
        "Hello Ana,\n"
        "\n"
        "Here is what is new for you in PLC since the last e-mail.\n"
        "\n"
        "New actions\n"
        "- New action for Jordan Reyes in Algebra 1 (Support): Talk with the "
        "student about the outcome\n"
        "  https://plc.example.org/interventions/cases/7/#actions\n"
        "\n"
        "Plan not delivered\n"
        "- Plan not delivered for Sam Lee in Biology: 2 actions not done\n"
        "  https://plc.example.org/interventions/cases/8/\n"
        "\n"
        "See it all, and mark it read: "
        "https://plc.example.org/interventions/whats-new/\n"
        "\n"
        "You get this e-mail at most once a day, and only when something is new "
        "for you.\n"
    )
    html, kind = teacher.alternatives[0]
    assert kind == "text/html"
    assert html.count("Jordan Reyes") == 1
    assert 'href="https://plc.example.org/interventions/cases/8/"' in html

    counselor = by_person[(news.counselor.email,)]
    assert counselor.subject == "PLC: 1 new item for you, 3 Mar"
    assert "Sam Lee" in counselor.body
    assert "Already seen" not in counselor.body


def test_nothing_is_sent_twice(news, mailoutbox):
    digest.digests_send(now=MORNING)
    assert len(mailoutbox) == 2
    run = digest.digests_send(now=NEXT_MORNING)
    assert (run.people, run.items) == (0, 0)
    assert len(mailoutbox) == 2
    assert not Notification.objects.filter(
        read_at__isnull=True, emailed_at__isnull=True
    ).exists()
    assert set(
        Notification.objects.filter(read_at__isnull=True).values_list(
            "emailed_at", flat=True
        )
    ) == {MORNING}


def test_the_next_digest_holds_only_what_is_new_since(news, mailoutbox):
    digest.digests_send(now=MORNING)
    notify(users=[news.teacher], kind=KIND.GROUP_FULL, text="Study hall P3 is full")
    digest.digests_send(now=NEXT_MORNING)
    assert len(mailoutbox) == 3
    latest = mailoutbox[-1]
    assert latest.to == [news.teacher.email]
    assert "Study hall P3 is full" in latest.body
    assert "Jordan Reyes" not in latest.body


def test_nobody_without_unread_lines_gets_mail(news, mailoutbox):
    digest.digests_send(now=MORNING)
    mailed = {address for m in mailoutbox for address in m.to}
    assert news.principal.email not in mailed
    assert news.interventionist.email not in mailed


def test_lines_read_before_the_digest_are_not_sent(news, mailoutbox):
    notifications_mark_read(
        user=news.teacher,
        ids=list(
            Notification.objects.filter(user=news.teacher).values_list("pk", flat=True)
        ),
    )
    digest.digests_send(now=MORNING)
    assert [m.to for m in mailoutbox] == [[news.counselor.email]]


def test_an_inactive_person_gets_no_mail(news, mailoutbox):
    news.teacher.is_active = False
    news.teacher.save()
    digest.digests_send(now=MORNING)
    assert [m.to for m in mailoutbox] == [[news.counselor.email]]


def test_one_refused_address_does_not_stop_the_others(news, mailoutbox, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    send = EmailMultiAlternatives.send

    def refuse_the_teacher(self, *args, **kwargs):
        if news.teacher.email in self.to:
            raise OSError("mailbox unavailable")
        return send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_the_teacher)
    run = digest.digests_send(now=MORNING)
    assert (run.people, run.failed) == (1, 1)
    assert [m.to for m in mailoutbox] == [[news.counselor.email]]
    # Nothing of the teacher's is marked: it goes out at the next run.
    assert not Notification.objects.filter(
        user=news.teacher, emailed_at__isnull=False
    ).exists()
    monkeypatch.undo()
    assert digest.digests_send(now=NEXT_MORNING).people == 1
    assert mailoutbox[-1].to == [news.teacher.email]


def test_the_task_runs_the_digest(news, mailoutbox):
    assert send_daily_digests() == {"people": 2, "items": 3, "failed": 0}
    assert send_daily_digests() == {"people": 0, "items": 0, "failed": 0}
    assert len(mailoutbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_digests_at_once_send_one_e_mail(cast, mailoutbox):
    """While one run holds a person's lines (sending), another finds nothing to
    send for them rather than sending them too."""
    notify(users=[cast.teacher], kind=KIND.GROUP_FULL, text="Study hall P3 is full")
    holding, release = threading.Event(), threading.Event()

    def first_run():
        try:
            with transaction.atomic():
                list(Notification.objects.select_for_update().filter(user=cast.teacher))
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=first_run)
    thread.start()
    assert holding.wait(10)
    try:
        assert digest.digest_send(user_id=cast.teacher.pk, now=MORNING) == 0
    finally:
        release.set()
        thread.join()
    assert mailoutbox == []
    assert digest.digest_send(user_id=cast.teacher.pk, now=MORNING) == 1
    assert len(mailoutbox) == 1
