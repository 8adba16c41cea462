from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from schools import selectors
from schools.access import section_for
from schools.forms import StudentSearchForm

STUDENTS_PER_PAGE = 50


@login_required
def student_list(request: HttpRequest) -> HttpResponse:
    form = StudentSearchForm(request.GET or None)
    query, grade = "", None
    if form.is_valid():
        query, grade = form.cleaned_data["q"], form.cleaned_data["grade"]
    page = selectors.student_search_page(
        user=request.user,
        query=query,
        grade=grade,
        number=request.GET.get("page"),
        per_page=STUDENTS_PER_PAGE,
    )
    template = (
        "schools/_student_results.html"
        if request.headers.get("HX-Request")
        else "schools/student_list.html"
    )
    return render(request, template, {"form": form, "page": page, "query": query})


@login_required
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # A student's page is their story, which reads results and cases and so
    # lives in the app above them all; this address stays for links and
    # bookmarks. Named by string, so the roster imports nothing from above.
    return redirect("dashboards:student", pk=pk)


@login_required
def section_detail(request: HttpRequest, pk: int) -> HttpResponse:
    section = section_for(request.user, pk)
    students = selectors.section_roster(user=request.user, section=section)
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
