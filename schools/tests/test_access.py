"""Who may see which students, sections and schools: every role, every refusal."""

import pytest

from schools.access import schools_for, sections_for, student_for, students_for
from schools.tests.factories import EnrollmentFactory, SectionFactory, StudentFactory

pytestmark = pytest.mark.django_db


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_teacher_sees_only_students_of_their_current_sections(cast):
    assert ids(students_for(cast.teacher)) == {s.pk for s in cast.taught_students}


def test_teacher_loses_a_student_whose_enrollment_ended(cast):
    import datetime

    from django.utils import timezone

    enrollment = cast.taught_students[0].enrollments.get()
    enrollment.end_date = timezone.localdate() - datetime.timedelta(days=1)
    enrollment.save()
    assert cast.taught_students[0].pk not in ids(students_for(cast.teacher))


def test_teacher_does_not_see_students_of_a_past_term(cast):
    import datetime

    from django.utils import timezone

    past = SectionFactory(
        course__school=cast.school,
        term__start_date=timezone.localdate() - datetime.timedelta(days=400),
        term__end_date=timezone.localdate() - datetime.timedelta(days=200),
    )
    past.section_teachers.create(teacher=cast.teacher)
    old_student = EnrollmentFactory(section=past, begin_date=None).student
    assert old_student.pk not in ids(students_for(cast.teacher))


def test_counselor_sees_their_caseload_only(cast):
    assert ids(students_for(cast.counselor)) == {s.pk for s in cast.taught_students}


def test_principal_sees_every_student_of_their_school_and_no_other(cast):
    expected = {s.pk for s in cast.taught_students} | {cast.untaught_student.pk}
    assert ids(students_for(cast.principal)) == expected


def test_district_admin_sees_the_whole_district(cast):
    assert cast.foreign_student.pk in ids(students_for(cast.district_admin))
    assert cast.untaught_student.pk in ids(students_for(cast.district_admin))


def test_admin_of_another_district_sees_nothing_here(cast):
    assert ids(students_for(cast.far_admin)) == set()
    assert ids(schools_for(cast.far_admin)) == set()


def test_interventionist_without_groups_sees_no_student(cast):
    assert ids(students_for(cast.interventionist)) == set()


def test_inactive_role_grants_nothing(cast):
    cast.principal.staff_roles.update(is_active=False)
    assert ids(students_for(cast.principal)) == set()


def test_inactive_user_sees_nothing(cast):
    cast.principal.is_active = False
    assert ids(students_for(cast.principal)) == set()


def test_anonymous_sees_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert ids(students_for(anonymous)) == set()
    assert ids(sections_for(anonymous)) == set()
    assert ids(schools_for(anonymous)) == set()


def test_sections_by_role(cast):
    assert ids(sections_for(cast.teacher)) == {cast.section.pk}
    assert ids(sections_for(cast.principal)) == {
        cast.section.pk,
        cast.other_section.pk,
    }
    assert cast.foreign_section.pk in ids(sections_for(cast.district_admin))
    assert ids(sections_for(cast.counselor)) == set()
    assert ids(sections_for(cast.other_principal)) == {cast.foreign_section.pk}


def test_schools_by_role(cast):
    assert ids(schools_for(cast.teacher)) == {cast.school.pk}
    assert ids(schools_for(cast.district_admin)) == {
        cast.school.pk,
        cast.other_school.pk,
    }


def test_a_foreign_student_answers_404(cast):
    from django.http import Http404

    with pytest.raises(Http404):
        student_for(cast.teacher, cast.foreign_student.pk)
    with pytest.raises(Http404):
        student_for(cast.other_principal, cast.taught_students[0].pk)
    assert student_for(cast.teacher, cast.taught_students[0].pk)


def test_teacher_of_two_schools_sees_both_rosters(cast):
    from accounts.models import Role
    from schools.tests.factories import give_role, teach

    give_role(cast.teacher, Role.TEACHER, school=cast.other_school)
    second = SectionFactory(course__school=cast.other_school)
    teach(cast.teacher, second)
    newcomer = EnrollmentFactory(
        section=second, student=StudentFactory(school=cast.other_school)
    ).student
    assert newcomer.pk in ids(students_for(cast.teacher))
    assert cast.foreign_student.pk not in ids(students_for(cast.teacher))


def test_a_higher_app_can_widen_access_through_a_registered_rule(cast):
    from django.db.models import Q

    from schools import access

    def sees_untaught(user, roles):
        return Q(pk=cast.untaught_student.pk) if user == cast.teacher else None

    access.register_student_rule(sees_untaught)
    try:
        assert cast.untaught_student.pk in ids(students_for(cast.teacher))
        assert cast.untaught_student.pk not in ids(students_for(cast.counselor))
    finally:
        access._student_rules.remove(sees_untaught)
