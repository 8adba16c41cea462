"""The ladder page of a school: everyone on its staff reads it, the principal
changes it, and every change is an event with the ladder before and after."""

import pytest
from django.urls import reverse

from accounts.events import EventType
from accounts.models import Event
from accounts.tests.factories import TEST_PASSWORD
from dashboards.tests.browser import assert_accessible, log_in, screenshot, wait_for
from interventions import ladder_services, services
from interventions.ladder import ActionSpec
from interventions.models import ActionKind, Responsible, Rung, RungAction
from interventions.tests.conftest import open_case

pytestmark = pytest.mark.django_db

EVERYONE = (
    "principal",
    "counselor",
    "teacher",
    "interventionist",
    "district_admin",
    "other_principal",
    "other_teacher",
    "far_admin",
)
READERS = {"principal", "counselor", "teacher", "interventionist", "district_admin"}
EDITORS = {"principal"}


def ladder_url(school, name="ladder", *args):
    return reverse(f"interventions:{name}", args=[school.pk, *args])


def rung_post(**overrides):
    data = {
        "name": "Check and connect",
        "tier": "2",
        "description": "A mentor checks in with the student every morning.",
        "review_days": "28",
        "group_kind": "",
        "sends_parent_notice": "on",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "30",
        "actions-0-title": "Morning check-in",
        "actions-0-responsible": Responsible.FACULTY_ADVISOR,
        "actions-0-kind": ActionKind.TASK,
        "actions-0-due_within_days": "1",
        "actions-0-repeats_weekly": "on",
        "actions-1-title": "",
        "actions-1-responsible": "",
        "actions-1-kind": ActionKind.TASK,
        "actions-1-due_within_days": "7",
    }
    data.update(overrides)
    return data


def edit_post(rung, **overrides):
    """The edit form as the page fills it in, with changes on top."""
    actions = list(rung.actions.all())
    data = {
        "name": rung.name,
        "tier": str(rung.tier),
        "description": rung.description,
        "review_days": str(rung.review_days),
        "group_kind": rung.group_kind,
        "actions-TOTAL_FORMS": str(len(actions)),
        "actions-INITIAL_FORMS": str(len(actions)),
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "30",
    }
    if rung.sends_parent_notice:
        data["sends_parent_notice"] = "on"
    if rung.needs_contract:
        data["needs_contract"] = "on"
    for i, action in enumerate(actions):
        data[f"actions-{i}-title"] = action.title
        data[f"actions-{i}-responsible"] = action.responsible
        data[f"actions-{i}-kind"] = action.kind
        data[f"actions-{i}-due_within_days"] = str(action.due_within_days)
        if action.repeats_weekly:
            data[f"actions-{i}-repeats_weekly"] = "on"
    data.update(overrides)
    return data


def order(school):
    return list(
        Rung.objects.filter(school=school, is_active=True)
        .order_by("position")
        .values_list("name", flat=True)
    )


# Who may read and change the ladder ----------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
def test_the_ladder_page_is_for_the_schools_staff_and_district(ladder, login, who):
    response = login(getattr(ladder, who)).get(ladder_url(ladder.school))
    if who in READERS:
        assert response.status_code == 200
        assert b"Required tutoring" in response.content
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("page", ["ladder_rung_add", "ladder_rung_edit"])
def test_only_the_principal_opens_the_rung_forms(ladder, login, who, page):
    args = [ladder.rungs[0].pk] if page == "ladder_rung_edit" else []
    response = login(getattr(ladder, who)).get(ladder_url(ladder.school, page, *args))
    assert response.status_code == (200 if who in EDITORS else 404)


def test_anonymous_visitors_are_sent_to_log_in(ladder, client):
    rung = ladder.rungs[0]
    for url in (
        reverse("interventions:ladder_home"),
        ladder_url(ladder.school),
        ladder_url(ladder.school, "ladder_rung_add"),
        ladder_url(ladder.school, "ladder_rung_edit", rung.pk),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    for name in ("ladder_rung_move", "ladder_rung_retire", "ladder_rung_restore"):
        response = client.post(ladder_url(ladder.school, name, rung.pk))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "who", ["counselor", "teacher", "district_admin", "other_principal", "far_admin"]
)
def test_no_one_but_the_principal_changes_the_ladder(ladder, login, who):
    client = login(getattr(ladder, who))
    school, rung = ladder.school, ladder.rungs[1]
    before = Event.objects.count()
    posts = [
        (ladder_url(school, "ladder_rung_add"), rung_post()),
        (ladder_url(school, "ladder_rung_edit", rung.pk), edit_post(rung, name="X")),
        (ladder_url(school, "ladder_rung_move", rung.pk), {"direction": "up"}),
        (ladder_url(school, "ladder_rung_retire", rung.pk), {"reason": "Because"}),
        (ladder_url(school, "ladder_rung_restore", rung.pk), {}),
        (ladder_url(school, "ladder_install"), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert order(school) == ["Support", "Required tutoring", "Guided study hall"]
    assert Event.objects.count() == before


def test_another_schools_rung_answers_404_even_to_a_principal(ladder, login):
    other = services.ladder_install_default(school=ladder.other_school, system="t")
    client = login(ladder.principal)
    url = ladder_url(ladder.school, "ladder_rung_edit", other[0].pk)
    assert client.get(url).status_code == 404
    url = ladder_url(ladder.school, "ladder_rung_move", other[0].pk)
    assert client.post(url, {"direction": "down"}).status_code == 404


def test_the_ladder_home_takes_a_one_school_person_to_their_ladder(ladder, login):
    response = login(ladder.teacher).get(reverse("interventions:ladder_home"))
    assert response.status_code == 302
    assert response.url == ladder_url(ladder.school)


def test_a_district_admin_chooses_among_the_districts_schools(ladder, login):
    response = login(ladder.district_admin).get(reverse("interventions:ladder_home"))
    assert response.status_code == 200
    assert ladder_url(ladder.school).encode() in response.content
    assert ladder_url(ladder.other_school).encode() in response.content


# What the page shows ------------------------------------------------------------


def test_the_page_says_what_each_rung_means_in_order(ladder, login):
    response = login(ladder.teacher).get(ladder_url(ladder.school))
    text = response.content.decode()
    assert text.index("Support") < text.index("Required tutoring")
    assert text.index("Required tutoring") < text.index("Guided study hall")
    assert text.index("Guided study hall") < text.index("Referred")
    assert "Reviewed after 42 days (6 weeks)" in text
    assert "Arrange an older student mentor in advisory" in text
    assert "Faculty advisor" in text
    assert "then weekly" in text
    assert "signed contract" in text
    # A teacher reads; nothing to change, and no counts of cases.
    assert "Add a rung" not in text
    assert "Edit<span" not in text
    assert "on this rung" not in text


def test_the_principal_sees_the_controls_and_the_open_cases(ladder, login):
    open_case(ladder)
    text = login(ladder.principal).get(ladder_url(ladder.school)).content.decode()
    assert "Add a rung" in text
    assert "Move Support up" in text
    assert "<strong>1</strong> open case on this rung" in text


def test_a_school_without_a_ladder_offers_the_default(cast, login):
    text = login(cast.principal).get(ladder_url(cast.school)).content.decode()
    assert "has no ladder yet" in text
    assert "Set up this ladder" in text
    teacher_text = login(cast.teacher).get(ladder_url(cast.school)).content.decode()
    assert "The principal sets it up" in teacher_text
    assert "Set up this ladder" not in teacher_text


def test_the_principal_installs_the_default_ladder(cast, login):
    response = login(cast.principal).post(ladder_url(cast.school, "ladder_install"))
    assert response.status_code == 302
    assert order(cast.school) == ["Support", "Required tutoring", "Guided study hall"]
    event = Event.objects.get(type=EventType.LADDER_CHANGED, school=cast.school)
    assert event.actor == cast.principal
    assert event.after == {
        "rungs": ["Support", "Required tutoring", "Guided study hall"]
    }


def test_the_ladder_page_reads_a_fixed_number_of_queries(
    ladder, login, django_assert_num_queries
):
    client = login(ladder.principal)
    url = ladder_url(ladder.school)
    client.get(url)
    with django_assert_num_queries(7) as small:  # with the unread count
        client.get(url)
    for n in range(6):
        services.rung_save(
            school=ladder.school,
            actor=ladder.principal,
            name=f"Extra {n}",
            tier=3,
            description="More",
            review_days=14,
            actions=[ActionSpec("Check", Responsible.COUNSELOR, 7)] * 3,
        )
    Rung.objects.filter(name="Extra 0").update(is_active=False)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


# Adding and editing a rung ----------------------------------------------------------


def test_the_principal_adds_a_rung_with_its_actions(ladder, login):
    response = login(ladder.principal).post(
        ladder_url(ladder.school, "ladder_rung_add"), rung_post()
    )
    rung = Rung.objects.get(name="Check and connect")
    assert response.status_code == 302
    assert response.url.endswith(f"#rung-{rung.pk}")
    assert (rung.tier, rung.review_days, rung.sends_parent_notice) == (2, 28, True)
    assert rung.position == 4  # at the top; the principal moves it
    action = rung.actions.get()
    assert (action.title, action.responsible, action.due_within_days) == (
        "Morning check-in",
        Responsible.FACULTY_ADVISOR,
        1,
    )
    assert action.repeats_weekly
    event = Event.objects.filter(type=EventType.LADDER_CHANGED).latest("pk")
    assert event.actor == ladder.principal
    assert event.summary == "Added the rung “Check and connect”"
    assert event.before == {}
    assert event.after["actions"][0]["title"] == "Morning check-in"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("name", "   ", "This field is required."),
        ("review_days", "0", "greater than or equal to 1"),
        ("review_days", "", "This field is required."),
        ("tier", "7", "Select a valid choice"),
        ("actions-0-responsible", "", "Choose who does it."),
        ("actions-0-title", "", "Say what the action is, or tick Remove."),
        ("actions-0-due_within_days", "-1", "greater than or equal to 0"),
    ],
)
def test_a_bad_rung_is_refused_with_a_message_and_nothing_saved(
    ladder, login, field, value, message
):
    before = Event.objects.count()
    response = login(ladder.principal).post(
        ladder_url(ladder.school, "ladder_rung_add"), rung_post(**{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Rung.objects.filter(name="Check and connect").exists()
    assert Event.objects.count() == before


def test_a_field_in_error_is_marked_for_screen_readers(ladder, login):
    response = login(ladder.principal).post(
        ladder_url(ladder.school, "ladder_rung_add"),
        rung_post(**{"actions-0-responsible": ""}),
    )
    text = response.content.decode()
    assert 'aria-describedby="id_actions-0-responsible_error"' in text
    assert 'id="id_actions-0-responsible_error"' in text


def test_editing_a_rung_keeps_open_cases_as_they_were(ladder, login):
    case = open_case(ladder).case
    rung = ladder.rungs[0]
    snapshot = dict(case.rung_snapshot)
    actions = list(case.actions.values_list("title", "owner_id"))
    data = edit_post(
        rung,
        name="First support",
        review_days="35",
        **{"actions-0-title": "Talk with the student about the goal"},
    )
    response = login(ladder.principal).post(
        ladder_url(ladder.school, "ladder_rung_edit", rung.pk), data
    )
    assert response.status_code == 302
    rung.refresh_from_db()
    assert (rung.name, rung.review_days) == ("First support", 35)
    assert rung.actions.first().title == "Talk with the student about the goal"
    case.refresh_from_db()
    assert case.rung_snapshot == snapshot
    assert list(case.actions.values_list("title", "owner_id")) == actions
    event = Event.objects.filter(type=EventType.LADDER_CHANGED).latest("pk")
    assert event.before["name"] == "Support"
    assert event.after["name"] == "First support"
    assert event.before["review_days"] == 42
    assert event.after["review_days"] == 35
    assert event.before["actions"][0]["title"] == (
        "Talk with the student about the outcome"
    )


def test_a_removed_action_row_leaves_the_rung(ladder, login):
    rung = ladder.rungs[1]
    count = rung.actions.count()
    data = edit_post(rung, **{"actions-0-DELETE": "on"})
    login(ladder.principal).post(
        ladder_url(ladder.school, "ladder_rung_edit", rung.pk), data
    )
    assert rung.actions.count() == count - 1
    assert not rung.actions.filter(
        title="Tell the student tutoring is now required"
    ).exists()


def test_an_action_row_is_added_in_an_empty_row(ladder, login):
    rung = ladder.rungs[1]
    data = edit_post(rung)
    n = rung.actions.count()
    data.update(
        {
            "actions-TOTAL_FORMS": str(n + 1),
            f"actions-{n}-title": "Call home",
            f"actions-{n}-responsible": Responsible.PARENT,
            f"actions-{n}-kind": ActionKind.PARENT_CONTACT,
            f"actions-{n}-due_within_days": "2",
        }
    )
    login(ladder.principal).post(
        ladder_url(ladder.school, "ladder_rung_edit", rung.pk), data
    )
    last = RungAction.objects.filter(rung=rung).order_by("position").last()
    assert (last.title, last.kind) == ("Call home", ActionKind.PARENT_CONTACT)


# Moving, retiring, bringing back -------------------------------------------------


def test_the_principal_moves_a_rung_and_the_order_is_recorded(ladder, login):
    client = login(ladder.principal)
    rung = ladder.rungs[2]
    response = client.post(
        ladder_url(ladder.school, "ladder_rung_move", rung.pk), {"direction": "up"}
    )
    assert response.status_code == 302
    assert order(ladder.school) == ["Support", "Guided study hall", "Required tutoring"]
    event = Event.objects.filter(type=EventType.LADDER_CHANGED).latest("pk")
    assert event.summary == "Moved the rung “Guided study hall” up"
    assert event.before == {
        "order": ["Support", "Required tutoring", "Guided study hall"]
    }
    assert event.after == {
        "order": ["Support", "Guided study hall", "Required tutoring"]
    }


def test_a_move_from_the_keyboard_returns_the_list_with_focus_kept(ladder, login):
    rung = ladder.rungs[0]
    response = login(ladder.principal).post(
        ladder_url(ladder.school, "ladder_rung_move", rung.pk),
        {"direction": "down"},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert text.startswith('<section id="ladder-rungs"')
    assert order(ladder.school)[:2] == ["Required tutoring", "Support"]
    focused = text[: text.index("autofocus")]
    assert focused.rindex("Move Support") > focused.rindex("Move Required tutoring")


def test_the_first_rung_cannot_move_up(ladder, login):
    client = login(ladder.principal)
    rung = ladder.rungs[0]
    response = client.post(
        ladder_url(ladder.school, "ladder_rung_move", rung.pk),
        {"direction": "up"},
        follow=True,
    )
    assert "“Support” is already the first rung." in response.content.decode()
    assert order(ladder.school)[0] == "Support"


def test_retiring_needs_a_reason(ladder, login):
    rung = ladder.rungs[1]
    response = login(ladder.principal).post(
        ladder_url(ladder.school, "ladder_rung_retire", rung.pk),
        {"reason": "  "},
        follow=True,
    )
    assert "Say why the rung is retired" in response.content.decode()
    rung.refresh_from_db()
    assert rung.is_active


def test_retiring_a_rung_keeps_its_open_cases_and_says_how_many(ladder, login):
    case = open_case(ladder).case
    rung = ladder.rungs[0]
    response = login(ladder.principal).post(
        ladder_url(ladder.school, "ladder_rung_retire", rung.pk),
        {"reason": "Merged into required tutoring"},
        follow=True,
    )
    text = response.content.decode()
    assert "“Support” is retired. 1 open case stay on it" in text
    assert "New cases open at “Required tutoring”" in text
    rung.refresh_from_db()
    assert not rung.is_active
    assert Rung.objects.filter(pk=rung.pk).exists()
    case.refresh_from_db()
    assert case.rung == rung
    assert case.rung_snapshot["name"] == "Support"
    event = Event.objects.filter(type=EventType.LADDER_CHANGED).latest("pk")
    assert event.reason == "Merged into required tutoring"
    assert event.before["is_active"] is True
    assert event.after == {
        "order": ["Required tutoring", "Guided study hall"],
        "is_active": False,
    }
    assert event.data["open_cases"] == 1
    # The retired rung is listed for the principal, with its case.
    assert "Retired rungs" in text
    assert 'Bring back<span class="visually-hidden"> Support' in text


def test_a_case_on_a_retired_rung_still_moves_up(ladder):
    case = open_case(ladder).case
    ladder_services.rung_retire(
        rung=ladder.rungs[0], actor=ladder.principal, reason="Merged"
    )
    services.case_move(
        case=case, actor=ladder.counselor, direction="up", reason="No progress"
    )
    case.refresh_from_db()
    assert case.rung == ladder.rungs[1]


def test_the_last_rung_on_the_ladder_cannot_be_retired(ladder, login):
    client = login(ladder.principal)
    for rung in ladder.rungs[:2]:
        client.post(
            ladder_url(ladder.school, "ladder_rung_retire", rung.pk),
            {"reason": "Simpler"},
        )
    last = ladder.rungs[2]
    response = client.post(
        ladder_url(ladder.school, "ladder_rung_retire", last.pk),
        {"reason": "Simpler"},
        follow=True,
    )
    assert "A ladder needs at least one rung" in response.content.decode()
    last.refresh_from_db()
    assert last.is_active


def test_a_retired_rung_comes_back_at_the_top(ladder, login):
    client = login(ladder.principal)
    rung = ladder.rungs[0]
    client.post(
        ladder_url(ladder.school, "ladder_rung_retire", rung.pk), {"reason": "Try"}
    )
    client.post(ladder_url(ladder.school, "ladder_rung_restore", rung.pk))
    assert order(ladder.school) == ["Required tutoring", "Guided study hall", "Support"]
    event = Event.objects.filter(type=EventType.LADDER_CHANGED).latest("pk")
    assert event.summary == "Brought back the rung “Support”"
    assert event.before["is_active"] is False
    assert event.after["order"][-1] == "Support"


# In a browser ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_ladder_pages_pass_axe_and_reorder_from_the_keyboard(
    page, live_server, ladder
):
    open_case(ladder)
    base = live_server.url
    log_in(page, base, ladder.principal.email, TEST_PASSWORD)
    page.goto(base + ladder_url(ladder.school))
    assert page.get_by_role("heading", level=1).inner_text() == "Intervention ladder"
    assert_accessible(page)
    screenshot(page, "ladder")

    page.get_by_role("button", name="Move Support down").focus()
    page.keyboard.press("Enter")
    wait_for(
        page,
        "document.querySelector('#ladder-rungs h3').innerText.includes('Required')",
    )
    focused = page.evaluate("document.activeElement.innerText")
    assert "Move Support down" in focused
    assert order(ladder.school)[:2] == ["Required tutoring", "Support"]
    assert_accessible(page)

    page.goto(base + ladder_url(ladder.school, "ladder_rung_edit", ladder.rungs[0].pk))
    assert_accessible(page)
    screenshot(page, "ladder-rung-form")
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("This field is required.").first.is_visible()
    assert_accessible(page)

    page.goto(base + ladder_url(ladder.school, "ladder_rung_add"))
    assert_accessible(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + ladder_url(ladder.school))
    assert_accessible(page)
    screenshot(page, "ladder-phone")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_empty_ladder_and_a_teachers_view_pass_axe(page, live_server, cast):
    base = live_server.url
    log_in(page, base, cast.teacher.email, TEST_PASSWORD)
    page.goto(base + ladder_url(cast.school))
    assert_accessible(page)
    services.ladder_install_default(school=cast.school, system="test")
    page.goto(base + ladder_url(cast.school))
    assert page.get_by_role("button", name="Move Support down").count() == 0
    assert_accessible(page)
