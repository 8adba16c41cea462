"""Essential outcomes: validation, retiring, reordering and CSV import."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Event
from schools.tests.factories import CourseFactory
from teams import services
from teams.models import EssentialOutcome, validate_standard_code
from teams.tests.factories import OutcomeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "code",
    [
        "A-REI.B.3",
        "RL.9-10.1",
        "HS-LS1-1",
        "D2.His.1.9-12",
        "3.OA.A.1",
        "RL.3.1",
        "F-IF.C.7a",
        "K.CC.A.1",
    ],
)
def test_real_standard_codes_are_accepted(code):
    validate_standard_code(code)


@pytest.mark.parametrize(
    "code", ["A-REI B.3", "A-REI..B.3", "A-REI.B.3.", "-A", "A/REI", "x" * 41, "é.1"]
)
def test_malformed_standard_codes_are_refused(code):
    with pytest.raises(ValidationError):
        validate_standard_code(code)


def create(squad, **fields):
    data = {
        "team": squad.team,
        "actor": squad.teacher,
        "course": squad.course,
        "code": "ALG1.EO9",
        "statement": "I can factor a quadratic.",
        "standards": ["A-SSE.A.2"],
    }
    return services.outcome_create(**{**data, **fields})


def test_create_normalises_and_appends_in_order(squad):
    outcome = create(squad, code=" alg1.eo9 ", statement="  I can   factor. ")
    assert outcome.code == "ALG1.EO9"
    assert outcome.statement == "I can factor."
    assert outcome.position == max(o.position for o in squad.outcomes) + 1
    assert Event.objects.filter(type="outcome.created").count() == 1


def test_duplicate_code_in_the_team_is_refused_on_the_code_field(squad):
    with pytest.raises(ValidationError) as error:
        create(squad, code="alg1.eo1")
    assert "code" in error.value.message_dict
    assert "already has an outcome ALG1.EO1" in error.value.message_dict["code"][0]


def test_same_code_in_another_team_is_fine(squad):
    OutcomeFactory(team=squad.foreign_team, code="ALG1.EO9")
    assert create(squad).pk


def test_bad_standards_name_the_field(squad):
    with pytest.raises(ValidationError) as error:
        create(squad, standards=["A-REI.B.3", "A REI"])
    assert "standards" in error.value.message_dict


def test_course_must_be_the_teams(squad):
    with pytest.raises(ValidationError) as error:
        create(squad, course=CourseFactory(school=squad.school))
    assert "course" in error.value.message_dict


def test_mastery_parameters_are_checked(squad):
    with pytest.raises(ValidationError) as error:
        create(squad, mastery_method="decaying_average", mastery_weight=2)
    assert "mastery_weight" in error.value.message_dict


def test_effective_mastery_falls_back_to_the_team(squad):
    outcome = squad.outcomes[0]
    assert outcome.mastery == {"method": "decaying_average", "weight": Decimal("0.65")}
    outcome.mastery_method = "n_mastery"
    outcome.mastery_n = 4
    assert outcome.mastery == {"method": "n_mastery", "n": 4}
    outcome.mastery_method = "weighted_latest"
    assert outcome.mastery["weight"] == squad.team.mastery_weight


def test_update_records_what_changed(squad):
    outcome = squad.outcomes[0]
    services.outcome_update(
        outcome=outcome,
        actor=squad.teacher,
        course=squad.course,
        code="ALG1.EO1",
        statement="I can solve linear equations.",
        standards=["A-REI.B.3"],
        unit="Unit 1",
        mastery_method="",
        mastery_weight=None,
        mastery_n=None,
    )
    event = Event.objects.get(type="outcome.updated")
    assert "statement" in event.summary and "unit" in event.summary


def test_update_refuses_a_duplicate_code_and_saves_nothing(squad):
    outcome = squad.outcomes[0]
    with pytest.raises(ValidationError):
        services.outcome_update(
            outcome=outcome,
            actor=squad.teacher,
            course=squad.course,
            code="ALG1.EO2",
            statement="Changed",
            standards=[],
            unit="",
            mastery_method="",
            mastery_weight=None,
            mastery_n=None,
        )
    outcome.refresh_from_db()
    assert outcome.code == "ALG1.EO1" and outcome.statement != "Changed"


def test_retire_keeps_the_outcome_and_says_why(squad):
    outcome = squad.outcomes[0]
    services.outcome_retire(outcome=outcome, actor=squad.teacher, reason="Merged")
    services.outcome_retire(outcome=outcome, actor=squad.teacher, reason="Again")
    outcome.refresh_from_db()
    assert not outcome.is_active and outcome.retired_at
    events = Event.objects.filter(type="outcome.retired")
    assert [(e.actor, e.reason) for e in events] == [(squad.teacher, "Merged")]
    services.outcome_restore(outcome=outcome, actor=squad.teacher)
    outcome.refresh_from_db()
    assert outcome.is_active and outcome.retired_at is None


def test_retired_code_stays_taken(squad):
    services.outcome_retire(outcome=squad.outcomes[0], actor=squad.teacher)
    with pytest.raises(ValidationError):
        create(squad, code="ALG1.EO1")


def codes_in_order(squad):
    return list(
        EssentialOutcome.objects.filter(team=squad.team)
        .order_by("position", "pk")
        .values_list("code", flat=True)
    )


def test_move_swaps_with_the_neighbour_and_stops_at_the_ends(squad):
    first, _, third = squad.outcomes
    services.outcome_move(outcome=third, actor=squad.teacher, direction="up")
    assert codes_in_order(squad) == ["ALG1.EO1", "ALG1.EO3", "ALG1.EO2"]
    services.outcome_move(outcome=first, actor=squad.teacher, direction="up")
    assert codes_in_order(squad) == ["ALG1.EO1", "ALG1.EO3", "ALG1.EO2"]
    with pytest.raises(ValidationError):
        services.outcome_move(outcome=first, actor=squad.teacher, direction="left")


def test_move_through_htmx_returns_the_course_group(login, squad):
    response = login(squad.teacher).post(
        reverse("teams:outcome_move", args=[squad.team.pk, squad.outcomes[1].pk]),
        {"direction": "down"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="outcomes-course-{squad.course.pk}"' in html
    assert html.index("ALG1.EO3") < html.index("ALG1.EO2")
    assert "autofocus" in html


def test_outcome_form_shows_service_errors_on_the_field(login, squad):
    response = login(squad.teacher).post(
        reverse("teams:outcome_create", args=[squad.team.pk]),
        {
            "course": squad.course.pk,
            "code": "ALG1.EO2",
            "statement": "I can do it.",
            "standards": "A-REI.B.3; G CO",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "already has an outcome" in form.errors["code"][0]
    assert "does not look like a standard code" in form.errors["standards"][0]
    assert EssentialOutcome.objects.filter(team=squad.team).count() == 3


# CSV import -------------------------------------------------------------------


def upload(login, squad, content: bytes, name="outcomes.csv"):
    return login(squad.teacher).post(
        reverse("teams:outcome_import", args=[squad.team.pk]),
        {"course": squad.course.pk, "file": SimpleUploadedFile(name, content)},
    )


def test_import_creates_outcomes_in_file_order(login, squad):
    content = (
        b"code,statement,standards,unit\n"
        b'ALG1.EO10,"I can graph, then explain, a line.",F-IF.C.7a;F-LE.A.2,Unit 2\n'
        b"ALG1.EO11,I can solve systems.,A-REI.C.6,Unit 3\n"
    )
    response = upload(login, squad, content)
    assert response.status_code == 302
    created = EssentialOutcome.objects.filter(code__in=["ALG1.EO10", "ALG1.EO11"])
    first = created.get(code="ALG1.EO10")
    assert first.standards == ["F-IF.C.7a", "F-LE.A.2"]
    assert first.statement == "I can graph, then explain, a line."
    assert codes_in_order(squad)[-2:] == ["ALG1.EO10", "ALG1.EO11"]
    assert Event.objects.filter(type="outcome.imported").exists()


def test_import_reads_semicolon_files_and_a_byte_order_mark(login, squad):
    content = (
        "\ufeffcode;statement;standards;unit\nALG1.EO12;I can do it.;A-REI.B.3;U1\n"
    )
    response = upload(login, squad, content.encode("utf-8"))
    assert response.status_code == 302
    assert EssentialOutcome.objects.filter(code="ALG1.EO12").exists()


def test_import_reports_every_bad_row_and_saves_nothing(login, squad):
    content = (
        b"code,statement,standards,unit\n"
        b"ALG1.EO20,I can one.,A-REI.B.3,U1\n"
        b"ALG1.EO1,I clash with the team.,,U1\n"
        b"ALG1.EO20,I repeat row 2.,,U1\n"
        b"ALG1.EO21,,A-REI.B.3,U1\n"
        b"ALG1.EO22,I have a bad standard.,A REI,U1\n"
    )
    response = upload(login, squad, content)
    assert response.status_code == 200
    errors = response.context["row_errors"]
    assert any(e.startswith("Row 3, code:") and "already has" in e for e in errors)
    assert any(e.startswith("Row 4, code:") and "row 2" in e for e in errors)
    assert any(e.startswith("Row 5, statement:") for e in errors)
    assert any(e.startswith("Row 6, standards:") for e in errors)
    assert not EssentialOutcome.objects.filter(code="ALG1.EO20").exists()
    assert "Nothing was imported" in response.content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty"),
        (b"title,text\nA,B\n", "Row 1 must name the columns"),
        ("code,statement\nÉ,x\n".encode("latin-1"), "not UTF-8"),
        (b"code,statement\n", "no outcomes below its header"),
        (b"code,statement\nA1,x,extra,more\n", "Row 2: 4 cells for 2 columns"),
    ],
)
def test_malformed_files_get_a_clear_message(login, squad, content, message):
    response = upload(login, squad, content)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert EssentialOutcome.objects.filter(team=squad.team).count() == 3


def test_import_refuses_a_course_outside_the_team(login, squad):
    other = CourseFactory(school=squad.school)
    response = login(squad.teacher).post(
        reverse("teams:outcome_import", args=[squad.team.pk]),
        {
            "course": other.pk,
            "file": SimpleUploadedFile("o.csv", b"code,statement\nX1,I can.\n"),
        },
    )
    assert "course" in response.context["form"].errors


def test_import_checks_a_long_file_in_a_fixed_number_of_queries(
    squad, django_assert_max_num_queries
):
    rows = [
        services.OutcomeRow(
            line=n + 2,
            code=f"B.{n}",
            statement="I can.",
            standards="A-REI.B.3",
            unit="",
        )
        for n in range(200)
    ]
    with django_assert_max_num_queries(10):
        services.outcomes_import(
            team=squad.team, actor=squad.teacher, course=squad.course, rows=rows
        )
    assert EssentialOutcome.objects.filter(team=squad.team).count() == 203
