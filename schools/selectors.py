from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from schools.access import students_for
from schools.access_log import note_students
from schools.models import Enrollment, Section, Student, active_enrollment_q


def student_search(
    *, user, query: str = "", grade: int | None = None
) -> QuerySet[Student]:
    students = students_for(user).select_related("school", "counselor")
    if query:
        for word in query.split():
            students = students.filter(
                Q(first_name__icontains=word)
                | Q(preferred_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(local_id__iexact=word)
            )
    if grade is not None:
        students = students.filter(grade_level=grade)
    return students.order_by("last_name", "first_name", "local_id")


def student_search_page(
    *, user, query: str = "", grade: int | None = None, number, per_page: int
) -> Page:
    """One page of `student_search`; the students on it are noted as read."""
    students = student_search(user=user, query=query, grade=grade)
    page = Paginator(students, per_page).get_page(number)
    note_students(page.object_list, what="Student list")
    return page


def section_roster(*, user, section: Section) -> list[Student]:
    """The section's currently enrolled students that the user may see."""
    enrolled = Enrollment.objects.active().filter(section=section).values("student_id")
    students = list(
        students_for(user).filter(pk__in=enrolled).order_by("last_name", "first_name")
    )
    note_students(students, what=f"Class roster: {section}")
    return students


def student_sections(*, student: Student) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(student=student)
        .select_related("section__course", "section__term")
        .prefetch_related("section__section_teachers__teacher")
        .order_by("-section__term__start_date", "section__course__title")
    )


def sections_with_counts(sections: QuerySet[Section]) -> QuerySet[Section]:
    return sections.select_related("course", "term").annotate(
        student_count=Count(
            "enrollments",
            filter=active_enrollment_q("enrollments__"),
            distinct=True,
        )
    )
