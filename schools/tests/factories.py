import datetime

import factory
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from schools.models import (
    Course,
    District,
    Enrollment,
    Guardian,
    School,
    Section,
    SectionTeacher,
    StaffRole,
    Student,
    Term,
)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"District {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"School {n}")
    kind = School.Kind.HIGH
    lowest_grade = 9
    highest_grade = 12


class TermFactory(factory.django.DjangoModelFactory):
    """A term that contains today, so its sections are current."""

    class Meta:
        model = Term

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Term {n}")
    kind = Term.Kind.SCHOOL_YEAR
    start_date = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=90)
    )
    end_date = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=180)
    )


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    school = factory.SubFactory(SchoolFactory)
    code = factory.Sequence(lambda n: f"C{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    subject = "Mathematics"


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    course = factory.SubFactory(CourseFactory)
    term = factory.SubFactory(
        TermFactory, school=factory.SelfAttribute("..course.school")
    )
    name = factory.Sequence(lambda n: f"Section {n}")
    period = factory.Sequence(lambda n: str(n % 7 + 1))


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    local_id = factory.Sequence(lambda n: f"{100000 + n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    grade_level = 9


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    student = factory.SubFactory(StudentFactory)
    section = factory.SubFactory(SectionFactory)
    begin_date = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=60)
    )


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    district = factory.SubFactory(DistrictFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"guardian{n}@home.example")


def give_role(user, role: str, *, school: School | None = None, district=None):
    district = district or school.district
    return StaffRole.objects.create(
        user=user,
        role=role,
        school=None if role == Role.DISTRICT_ADMIN else school,
        district=district,
    )


def teach(teacher, section: Section) -> SectionTeacher:
    return SectionTeacher.objects.create(teacher=teacher, section=section)


def staff(role: str, *, school: School | None = None, district=None, **user_fields):
    user = UserFactory(**user_fields)
    give_role(user, role, school=school, district=district)
    return user
