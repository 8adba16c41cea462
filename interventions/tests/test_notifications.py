"""Notifications: written in bulk, one unread line per kind and case and person,
sent to the people who now have work, and read on "What's new", which shows a
person only their own and marks what it shows as read (docs/domain.md, "Cases")."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from interventions import services
from interventions.context_processors import whats_new
from interventions.models import Notification
from interventions.notice_selectors import unread_for
from interventions.notifications import notifications_mark_read, notify
from interventions.tests.conftest import open_case

pytestmark = pytest.mark.django_db

WHATS_NEW = reverse("interventions:whats_new")
NEW = Notification.Kind.NEW_ACTIONS


def lines(user):
    return list(
        Notification.objects.filter(user=user).values_list("kind", "text", "read_at")
    )


# Writing -------------------------------------------------------------------------


def test_notify_writes_every_line_in_a_fixed_number_of_queries(
    ladder, django_assert_num_queries
):
    case = open_case(ladder).case
    Notification.objects.all().delete()
    people = [ladder.teacher, ladder.counselor, ladder.principal]
    # A transaction, the unread lines to refresh, and one insert for everyone.
    with django_assert_num_queries(5):
        told = notify(users=[*people, None], kind=NEW, case=case, text="Hello")
    assert told == 3
    assert Notification.objects.filter(case=case, text="Hello").count() == 3


def test_the_same_unread_line_is_refreshed_not_doubled(ladder):
    case = open_case(ladder).case
    Notification.objects.all().delete()
    notify(users=[ladder.teacher], kind=NEW, case=case, text="First", url="/a/")
    first = Notification.objects.get(user=ladder.teacher)
    Notification.objects.filter(pk=first.pk).update(
        emailed_at=datetime.datetime(2026, 3, 2, 7, tzinfo=datetime.UTC)
    )

    # The same words again change nothing: not even the e-mail already sent.
    notify(users=[ladder.teacher], kind=NEW, case=case, text="First", url="/a/")
    assert Notification.objects.filter(user=ladder.teacher).count() == 1
    assert Notification.objects.get(pk=first.pk).emailed_at is not None

    # New words replace the line and go out in the next digest.
    notify(users=[ladder.teacher], kind=NEW, case=case, text="Second", url="/b/")
    refreshed = Notification.objects.get(user=ladder.teacher)
    assert (refreshed.pk, refreshed.text, refreshed.url) == (first.pk, "Second", "/b/")
    assert refreshed.emailed_at is None

    # Another kind, or once the line is read, is a new line.
    notify(
        users=[ladder.teacher],
        kind=Notification.Kind.WAITLISTED,
        case=case,
        text="Waiting",
    )
    notifications_mark_read(user=ladder.teacher, ids=[first.pk])
    notify(users=[ladder.teacher], kind=NEW, case=case, text="Third")
    assert sorted(t for _, t, _ in lines(ladder.teacher)) == [
        "Second",
        "Third",
        "Waiting",
    ]


def test_lines_without_a_case_are_not_merged(cast):
    for text in ("Group A is full", "Group B is full"):
        notify(users=[cast.principal], kind=Notification.Kind.GROUP_FULL, text=text)
    assert Notification.objects.filter(user=cast.principal).count() == 2


def test_an_unknown_kind_is_refused(cast):
    with pytest.raises(ValueError):
        notify(users=[cast.principal], kind="gossip", text="Nope")


# Who is told what ------------------------------------------------------------------


def test_each_person_the_rung_gives_work_to_is_told_once(ladder):
    student = ladder.taught_students[0]
    student.first_name, student.last_name = "Jordan", "Reyes"
    student.save()
    case = open_case(ladder, student).case
    (teacher_line,) = Notification.objects.filter(user=ladder.teacher)
    assert teacher_line.kind == NEW
    assert teacher_line.case == case
    assert teacher_line.url == case.get_absolute_url() + "#actions"
    assert teacher_line.text == (
        f"New action for Jordan Reyes in {ladder.course.title} (Support): "
        "Talk with the student about the outcome"
    )
    # The counselor has their own actions and the advisor's (no advisor): one line.
    (counselor_line,) = Notification.objects.filter(user=ladder.counselor)
    assert counselor_line.text.startswith("New actions for Jordan Reyes")
    assert "Notify the parents" in counselor_line.text
    assert "Arrange an older student mentor in advisory" in counselor_line.text


def test_whoever_moves_the_case_is_not_told_of_their_own_actions(ladder):
    case = open_case(ladder).case
    Notification.objects.all().delete()
    services.case_move(
        case=case, actor=ladder.counselor, direction="up", reason="No progress"
    )
    assert not Notification.objects.filter(user=ladder.counselor).exists()
    (line,) = Notification.objects.filter(user=ladder.teacher)
    assert "(Required tutoring): Send the tutors what the student must learn" in (
        line.text
    )


def test_moving_up_again_refreshes_the_unread_line_of_the_case(ladder):
    case = open_case(ladder).case
    services.case_move(
        case=case, actor=ladder.principal, direction="up", reason="No progress"
    )
    (line,) = Notification.objects.filter(user=ladder.teacher, read_at__isnull=True)
    assert "(Required tutoring)" in line.text


def test_the_principal_hears_of_a_student_waiting_for_a_seat(ladder):
    hall = ladder.study_hall  # two seats
    for student in ladder.taught_students:
        services.placement_request(group=hall, student=student, actor=ladder.counselor)
    waiting = ladder.taught_students[2]
    (line,) = Notification.objects.filter(
        user=ladder.principal, kind=Notification.Kind.WAITLISTED
    )
    assert line.text == (
        f"{waiting.full_name} is waiting for a seat in Guided study hall P3 "
        "(number 1 in line)"
    )
    assert line.url == hall.get_absolute_url()
    assert not Notification.objects.filter(user=ladder.counselor).exists()

    # The principal who puts a student on the waitlist is not told of it.
    Notification.objects.all().delete()
    services.placement_request(
        group=hall, student=ladder.untaught_student, actor=ladder.principal
    )
    assert not Notification.objects.exists()


# What's new ------------------------------------------------------------------------


@pytest.fixture
def three_lines(cast):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9), tick=False):
        for text in ("Oldest news", "Middle news"):
            notify(users=[cast.teacher], kind=Notification.Kind.GROUP_FULL, text=text)
    with time_machine.travel(datetime.datetime(2026, 3, 3, 9), tick=False):
        notify(
            users=[cast.teacher],
            kind=Notification.Kind.GROUP_FULL,
            text="Newest news",
            url="/interventions/groups/",
        )
    notify(users=[cast.counselor], kind=Notification.Kind.GROUP_FULL, text="Secret")


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(WHATS_NEW)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_whats_new_shows_only_mine_newest_first_and_marks_them_read(
    cast, three_lines, login
):
    client = login(cast.teacher)
    html = client.get(WHATS_NEW).content.decode()
    assert "Secret" not in html
    assert (
        html.index("Newest news")
        < html.index("Middle news")
        < html.index("Oldest news")
    )
    assert html.count(">New</span>") == 3
    assert '<a href="/interventions/groups/">Newest news</a>' in html
    assert not Notification.objects.filter(user=cast.teacher, read_at__isnull=True)
    # The counselor's line is theirs to see.
    assert Notification.objects.get(user=cast.counselor).read_at is None

    again = client.get(WHATS_NEW).content.decode()
    assert ">New</span>" not in again
    assert "Newest news" in again


def test_whats_new_marks_only_the_page_shown(cast, login):
    from interventions import notice_selectors

    for index in range(notice_selectors.NOTIFICATIONS_PER_PAGE + 2):
        notify(
            users=[cast.teacher],
            kind=Notification.Kind.GROUP_FULL,
            text=f"Line {index}",
        )
    login(cast.teacher).get(WHATS_NEW)
    assert (
        Notification.objects.filter(user=cast.teacher, read_at__isnull=True).count()
        == 2
    )


def test_someone_without_a_role_sees_an_empty_list(login, cast):
    newcomer = User.objects.create_user(email="new@stevenson.example")
    html = login(newcomer).get(WHATS_NEW).content.decode()
    assert "Nothing yet." in html


def test_the_count_costs_one_query_whatever_the_number(
    cast, three_lines, django_assert_num_queries
):
    with django_assert_num_queries(1):
        unread = unread_for(cast.teacher)
        assert unread.count == 3
        assert [n.text for n in unread.latest] == [
            "Newest news",
            "Middle news",
            "Oldest news",
        ]


def test_the_navigation_shows_the_unread_count_in_words(cast, three_lines, login):
    html = login(cast.teacher).get(reverse("dashboards:home")).content.decode()
    assert '3<span class="visually-hidden"> unread</span>' in html, (
        "the count is in the navigation"
    )
    assert "What's new for you" in html and "Newest news" in html


def test_the_context_processor_reads_nothing_until_asked(
    cast, rf, django_assert_num_queries
):
    request = rf.get("/")
    request.user = cast.teacher
    with django_assert_num_queries(0):
        context = whats_new(request)
    with django_assert_num_queries(1):
        assert context["whats_new"].count == 0
