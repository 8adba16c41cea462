from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.services import audit_record
from schools import selectors
from schools.access import section_for, student_for
from schools.forms import StudentSearchForm

STUDENTS_PER_PAGE = 50


@login_required
def student_list(request: HttpRequest) -> HttpResponse:
    form = StudentSearchForm(request.GET or None)
    query, grade = "", None
    if form.is_valid():
        query, grade = form.cleaned_data["q"], form.cleaned_data["grade"]
    students = selectors.student_search(user=request.user, query=query, grade=grade)
    page = Paginator(students, STUDENTS_PER_PAGE).get_page(request.GET.get("page"))
    audit_record(
        actor=request.user,
        action="students.listed",
        object_type="schools.student",
        summary=f"Listed {len(page.object_list)} of {page.paginator.count} students"
        + (f" matching “{query}”" if query else "")
        + (f", page {page.number}" if page.number > 1 else ""),
        request=request,
    )
    template = (
        "schools/_student_results.html"
        if request.headers.get("HX-Request")
        else "schools/student_list.html"
    )
    return render(request, template, {"form": form, "page": page, "query": query})


@login_required
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = student_for(request.user, pk)
    audit_record(
        actor=request.user,
        action="student.viewed",
        obj=student,
        summary=f"Viewed the record of {student}",
        request=request,
    )
    return render(
        request,
        "schools/student_detail.html",
        {
            "student": student,
            "enrollments": selectors.student_sections(student=student),
            "guardians": student.guardians.filter(is_active=True),
        },
    )


@login_required
def section_detail(request: HttpRequest, pk: int) -> HttpResponse:
    section = section_for(request.user, pk)
    students = list(selectors.section_roster(user=request.user, section=section))
    audit_record(
        actor=request.user,
        action="section.roster_viewed",
        obj=section,
        summary=f"Viewed the roster of {section} ({len(students)} students)",
        request=request,
    )
    return render(
        request,
        "schools/section_detail.html",
        {
            "section": section,
            "teachers": [
                st.teacher for st in section.section_teachers.select_related("teacher")
            ],
            "students": students,
        },
    )
