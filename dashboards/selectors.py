"""What each person sees on their home page: what they have today."""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Role
from assessments.selectors import results_to_enter
from dashboards import today as todo
from interventions.caseload import caseload_for
from interventions.group_selectors import supervisor_home
from interventions.models import Group
from interventions.review_status import review_status
from interventions.teaching import actions_for, supports_for_teacher
from schools.access import roles_of
from schools.models import (
    School,
    Section,
    StaffRole,
    Student,
    active_enrollment_q,
    grade_label,
)
from schools.selectors import sections_with_counts
from teams.selectors import action_items_for


@dataclass
class SchoolSummary:
    school: School
    students_by_grade: list[tuple[str, int]] = field(default_factory=list)
    student_count: int = 0
    current_sections: int = 0
    staff_by_role: dict[str, int] = field(default_factory=dict)
    students_without_counselor: int = 0


def teacher_sections(*, user, school_ids: list[int]) -> list[Section]:
    sections = (
        Section.objects.current()
        .filter(section_teachers__teacher=user, course__school_id__in=school_ids)
        .order_by("period", "course__title", "name")
    )
    return list(sections_with_counts(sections))


def school_summaries(*, school_ids: list[int]) -> list[SchoolSummary]:
    """Counts per school in a fixed number of queries, however many schools."""
    summaries = {
        school.pk: SchoolSummary(school=school)
        for school in School.objects.filter(pk__in=school_ids).order_by("name")
    }
    grade_rows = (
        Student.objects.filter(school_id__in=school_ids, is_active=True)
        .values("school_id", "grade_level")
        .annotate(
            n=Count("pk"),
            without_counselor=Count("pk", filter=Q(counselor__isnull=True)),
        )
        .order_by("school_id", "grade_level")
    )
    for row in grade_rows:
        summary = summaries[row["school_id"]]
        summary.students_by_grade.append(
            (grade_label(row["grade_level"]) or "No grade level", row["n"])
        )
        summary.student_count += row["n"]
        summary.students_without_counselor += row["without_counselor"]
    section_rows = (
        Section.objects.current()
        .filter(course__school_id__in=school_ids)
        .values("course__school_id")
        .annotate(n=Count("pk"))
    )
    for row in section_rows:
        summaries[row["course__school_id"]].current_sections = row["n"]
    role_rows = (
        StaffRole.objects.filter(school_id__in=school_ids, is_active=True)
        .values("school_id", "role")
        .annotate(n=Count("user_id", distinct=True))
    )
    labels = dict(Role.choices)
    for row in role_rows:
        summaries[row["school_id"]].staff_by_role[labels[row["role"]]] = row["n"]
    return list(summaries.values())


def home_for(user, *, today=None) -> dict:
    """Everything the home page shows, one block per role the person holds,
    led by one list of what a teacher or counselor has to do today."""
    today = today or timezone.localdate()
    roles = roles_of(user)

    def schools_with(role):
        return sorted({r.school_id for r in roles if r.role == role})

    context: dict = {"roles": roles}
    today_items: list[todo.TodayItem] = []
    if any(r.school_id for r in roles):
        context["team_action_items"] = action_items_for(user, today=today)
        context["case_actions"] = actions_for(user, today=today)
    teacher_schools = schools_with(Role.TEACHER)
    counselor_schools = schools_with(Role.COUNSELOR)
    if teacher_schools or counselor_schools:
        today_items += todo.action_items(
            case_actions=context["case_actions"],
            team_action_items=context["team_action_items"],
            today=today,
        )
    if teacher_schools:
        context["results_to_enter"] = results_to_enter(user)
        context["teacher_sections"] = teacher_sections(
            user=user, school_ids=teacher_schools
        )
        context["supports"] = supports_for_teacher(user, school_ids=teacher_schools)
        today_items += todo.results_items(context["results_to_enter"], today=today)
        today_items += todo.support_items(context["supports"], today=today)
        today_items += todo.reassessment_items(
            user, school_ids=teacher_schools, today=today
        )
        context["teacher_student_total"] = (
            Student.objects.filter(
                active_enrollment_q("enrollments__"),
                enrollments__section__in=Section.objects.current().filter(
                    section_teachers__teacher=user,
                    course__school_id__in=teacher_schools,
                ),
            )
            .distinct()
            .count()
        )
    if counselor_schools:
        context["caseload"] = caseload_for(
            counselor=user, school_ids=counselor_schools, today=today
        )
        today_items += todo.counselor_items(
            counselor=user, school_ids=counselor_schools, today=today
        )
    if teacher_schools or counselor_schools:
        context["today"] = todo.ordered(today_items)
    principal_schools = schools_with(Role.PRINCIPAL)
    if principal_schools:
        context["principal_schools"] = school_summaries(school_ids=principal_schools)
        context["review_status"] = review_status(principal_schools)
    if (
        any(r.role == Role.INTERVENTIONIST for r in roles)
        or Group.objects.filter(supervisor=user, is_active=True).exists()
    ):
        context["supervisor_home"] = supervisor_home(user, timezone.localdate())
    district_ids = sorted(
        {r.district_id for r in roles if r.role == Role.DISTRICT_ADMIN}
    )
    if district_ids:
        district_school_ids = list(
            School.objects.filter(
                district_id__in=district_ids, is_active=True
            ).values_list("pk", flat=True)
        )
        context["district_schools"] = school_summaries(school_ids=district_school_ids)
        context["district_totals"] = {
            "students": sum(s.student_count for s in context["district_schools"]),
            "sections": sum(s.current_sections for s in context["district_schools"]),
        }
    return context
