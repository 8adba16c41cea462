"""The upload, progress, result and history pages, and who may use them."""

import io
import time
import zipfile

import pytest
from django.urls import reverse

from accounts.models import OutboxMessage, Role
from schools.imports import import_run_execute
from schools.models import ImportRun, School, Student
from schools.tests.oneroster_helpers import FILES, read

pytestmark = pytest.mark.django_db

UPLOAD = reverse("schools:import")
HISTORY = reverse("schools:import_history")


def zipped(base="v1_1_bulk", **replace) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((FILES / base).iterdir()):
            stem = path.name.removesuffix(".csv")
            if stem in replace:
                archive.writestr(path.name, replace[stem])
            else:
                archive.write(path, path.name)
    return buffer.getvalue()


def upload_file(data: bytes, name="roster.zip"):
    file = io.BytesIO(data)
    file.name = name
    return file


def queued_imports() -> list[dict]:
    """The arguments of the imports queued for a worker (accounts/outbox.py)."""
    return [
        message.kwargs
        for message in OutboxMessage.objects.filter(
            task="schools.tasks.run_roster_import"
        )
    ]


def post_upload(client, target, data=None):
    response = client.post(
        UPLOAD, {"target": target, "file": upload_file(data or zipped())}
    )
    return response, queued_imports()


def make_run(*, cast, school=None, user=None, status=ImportRun.Status.SUCCEEDED):
    return ImportRun.objects.create(
        district=cast.district,
        school=school,
        uploaded_by=user or cast.district_admin,
        file_name="roster.zip",
        status=status,
        progress=100 if status == ImportRun.Status.SUCCEEDED else 40,
        stage="Reading users.csv",
        report={"ok": True, "counts": {}, "errors": [], "warnings": []},
    )


# -- who may come in -------------------------------------------------------------


@pytest.mark.parametrize("url", [UPLOAD, HISTORY])
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_anonymous_cannot_see_a_run(client, cast):
    run = make_run(cast=cast)
    for name in ("schools:import_run", "schools:import_run_status"):
        response = client.get(reverse(name, args=[run.pk]))
        assert response.status_code == 302


@pytest.mark.parametrize("who", ["teacher", "counselor", "interventionist"])
def test_staff_without_import_rights_are_refused(login, cast, who):
    client = login(getattr(cast, who))
    run = make_run(cast=cast)
    assert client.get(UPLOAD).status_code == 403
    assert client.get(HISTORY).status_code == 403
    assert client.get(reverse("schools:import_run", args=[run.pk])).status_code == 403
    response, queued = post_upload(client, f"district:{cast.district.pk}")
    assert response.status_code == 403
    assert not queued
    assert ImportRun.objects.count() == 1


def test_district_admin_sees_the_upload_page(login, cast):
    response = login(cast.district_admin).get(UPLOAD)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Lakeside — all schools" in content
    assert 'accept=".zip,application/zip"' in content
    assert "Roster import</a>" in content  # the navigation offers it


def test_principal_may_import_only_their_school(login, cast):
    response = login(cast.principal).get(UPLOAD)
    options = response.context["form"].fields["target"].choices
    assert options == [(f"school:{cast.school.pk}", "Stevenson High School only")]


def test_navigation_hides_roster_import_from_teachers(login, cast):
    response = login(cast.teacher).get(reverse("schools:students"))
    assert "Roster import" not in response.content.decode()


# -- uploading ---------------------------------------------------------------------


def test_upload_stores_the_file_and_queues_the_task_on_commit(
    login, cast, django_capture_on_commit_callbacks
):
    client = login(cast.district_admin)
    data = zipped()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            UPLOAD,
            {"target": f"district:{cast.district.pk}", "file": upload_file(data)},
        )
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    assert queued_imports() == [{"run_id": run.pk}]
    assert len(callbacks) == 1  # published once the upload commits
    assert bytes(run.upload) == data
    assert run.uploaded_by == cast.district_admin
    assert (run.district, run.school, run.status) == (cast.district, None, "queued")


def test_a_foreign_target_is_not_accepted(login, cast):
    client = login(cast.district_admin)
    response, queued = post_upload(client, f"district:{cast.far_district.pk}")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not queued


def test_a_file_that_is_not_a_zip_is_refused_on_the_form(login, cast):
    client = login(cast.district_admin)
    response = client.post(
        UPLOAD,
        {
            "target": f"district:{cast.district.pk}",
            "file": upload_file(b"sourcedId,name\n", name="orgs.csv"),
        },
    )
    assert response.status_code == 200
    assert "orgs.csv is not a zip file" in response.content.decode()
    assert not queued_imports() and not ImportRun.objects.exists()


def test_district_admin_import_runs_and_reports(login, cast):
    client = login(cast.district_admin)
    post_upload(client, f"district:{cast.district.pk}")
    run = ImportRun.objects.get()

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED, run.report["errors"]
    assert run.progress == 100
    # The district entered by hand takes the file's sourcedId, and the school of
    # the same name is matched rather than duplicated.
    cast.district.refresh_from_db()
    assert cast.district.sourced_id == "d1"
    assert School.objects.get(sourced_id="s1") == cast.school
    assert Student.objects.filter(sourced_id__in=["u1", "u2", "u3"]).count() == 3
    assert run.summary.startswith("Students: 4 new")

    page = client.get(run.get_absolute_url())
    content = page.content.decode()
    assert "What changed" in content and "Imported" in content
    assert "hx-trigger" not in content
    assert import_run_execute(run_id=run.pk) is None  # a second delivery is a no-op


def test_principal_import_touching_another_school_is_refused(login, cast):
    client = login(cast.principal)
    post_upload(client, f"school:{cast.school.pk}")
    run = ImportRun.objects.get()

    import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.REFUSED
    errors = run.report["errors"]
    messages = [e["message"] for e in errors]
    # The other school is reported once, where the file names it, not again on
    # every class and person that refers to it.
    assert errors[0]["file"] == "orgs.csv" and errors[0]["line"] == 5
    assert errors[0]["message"] == (
        "this touches Riverbend High School, East Campus (sourcedId s2), which is "
        "outside Stevenson High School; you may only import records of Stevenson "
        "High School."
    )
    assert not any(e["file"] == "classes.csv" for e in errors)
    assert any("would become a district admin" in m for m in messages)
    assert not Student.objects.filter(sourced_id__startswith="u").exists()
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Refused: nothing was saved" in page
    assert "orgs.csv" in page and "Riverbend High School, East Campus" in page


def test_principal_import_of_their_own_school_works(login, cast):
    orgs = read("v1_1_bulk", "orgs").replace(
        's2,,,"Riverbend High School, East Campus",school,RHS,d1,\n', ""
    )
    users = "".join(
        line
        for line in read("v1_1_bulk", "users").splitlines(keepends=True)
        if not line.startswith(("u4,", "da1,"))
    ).replace('"s1,s2"', "s1")
    classes = "".join(
        line
        for line in read("v1_1_bulk", "classes").splitlines(keepends=True)
        if not line.startswith("k-bio-r")
    )
    enrollments = "".join(
        line
        for line in read("v1_1_bulk", "enrollments").splitlines(keepends=True)
        if not line.startswith(("e6,", "e7,"))
    )
    data = zipped(orgs=orgs, users=users, classes=classes, enrollments=enrollments)
    client = login(cast.principal)
    post_upload(client, f"school:{cast.school.pk}", data)
    run = ImportRun.objects.get()
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED, run.report["errors"]
    assert run.school == cast.school
    assert Student.objects.filter(sourced_id="u1", school=cast.school).exists()
    # Students entered by hand in the school are untouched by the bulk file.
    assert cast.untaught_student.__class__.objects.get(
        pk=cast.untaught_student.pk
    ).is_active


# -- progress, result and history ----------------------------------------------------


def test_progress_fragment_polls_while_running(login, cast):
    run = make_run(cast=cast, status=ImportRun.Status.RUNNING)
    client = login(cast.district_admin)
    url = reverse("schools:import_run_status", args=[run.pk])
    response = client.get(url, {"seen": "Opening the files"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert 'hx-trigger="every 1s"' in content
    assert '<progress class="import-progress"' in content
    assert 'max="100" value="40"' in content
    assert "style=" not in content  # allowed by a strict Content Security Policy
    assert 'hx-swap-oob="true"' in content  # the stage changed: announce it
    again = client.get(url, {"seen": run.stage}).content.decode()
    assert 'hx-swap-oob="true"' not in again


def test_progress_fragment_stops_polling_when_finished(login, cast):
    run = make_run(cast=cast)
    response = login(cast.district_admin).get(
        reverse("schools:import_run_status", args=[run.pk])
    )
    content = response.content.decode()
    assert "hx-trigger" not in content
    assert "Imported" in content


@pytest.mark.parametrize("who", ["other_principal", "far_admin"])
def test_runs_of_others_answer_404(login, cast, who):
    run = make_run(cast=cast, school=cast.school, user=cast.principal)
    client = login(getattr(cast, who))
    for name in ("schools:import_run", "schools:import_run_status"):
        assert client.get(reverse(name, args=[run.pk])).status_code == 404
    assert "roster.zip" not in client.get(HISTORY).content.decode()


def test_district_admin_sees_school_runs_of_the_district(login, cast):
    run = make_run(cast=cast, school=cast.school, user=cast.principal)
    client = login(cast.district_admin)
    assert client.get(reverse("schools:import_run", args=[run.pk])).status_code == 200
    assert "roster.zip" in client.get(HISTORY).content.decode()


def test_principal_sees_only_their_school_runs(login, cast):
    own = make_run(cast=cast, school=cast.school, user=cast.principal)
    district_wide = make_run(cast=cast)
    client = login(cast.principal)
    runs = list(client.get(HISTORY).context["page"].object_list)
    assert runs == [own]
    url = reverse("schools:import_run", args=[district_wide.pk])
    assert client.get(url).status_code == 404


def test_history_shows_who_imported_what_and_when(
    login, cast, django_assert_max_num_queries
):
    for _ in range(3):
        make_run(cast=cast)
    client = login(cast.district_admin)
    with django_assert_max_num_queries(8):
        response = client.get(HISTORY)
    content = response.content.decode()
    assert content.count("roster.zip") == 3
    assert cast.district_admin.display_name in content
    assert "<time datetime=" in content


# -- the real worker -------------------------------------------------------------------


@pytest.mark.celery
def test_upload_is_imported_by_a_real_worker(client, celery_worker, cast):
    client.force_login(cast.district_admin)
    response = client.post(
        UPLOAD,
        {"target": f"district:{cast.district.pk}", "file": upload_file(zipped())},
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.is_finished:
            break
        time.sleep(0.1)
    assert run.status == ImportRun.Status.SUCCEEDED, run.report
    assert Student.objects.filter(sourced_id__startswith="u").count() == 4
    assert cast.district_admin.staff_roles.filter(role=Role.DISTRICT_ADMIN).exists()


def test_a_district_admin_cannot_edit_accounts_of_another_district(login, cast):
    users = read("v1_1_bulk", "users").replace(
        "Ana.Rivera@lakeside.example", "admin@faraway.example"
    )
    client = login(cast.district_admin)
    post_upload(client, f"district:{cast.district.pk}", zipped(users=users))
    run = ImportRun.objects.get()
    import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.REFUSED
    assert run.report["errors"][0]["line"] == 2
    assert "also works outside Lakeside" in run.report["errors"][0]["message"]
    cast.far_admin.refresh_from_db()
    assert cast.far_admin.sourced_id == ""
