from django.contrib import admin

from schools.models import (
    AccessedStudent,
    AccessRecord,
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


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "sourced_id")
    search_fields = ("name", "sourced_id")


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "district", "kind", "lowest_grade", "highest_grade")
    list_filter = ("district", "kind")
    search_fields = ("name", "sourced_id")


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "school", "district", "is_active")
    list_filter = ("role", "is_active", "district", "school")
    search_fields = ("user__email", "user__first_name", "user__last_name")
    autocomplete_fields = ("user", "school")
    list_select_related = ("user", "school", "district")


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "kind", "start_date", "end_date")
    list_filter = ("kind", "school")
    search_fields = ("name", "sourced_id")
    date_hierarchy = "start_date"


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "school", "subject", "grade_levels")
    list_filter = ("school", "subject")
    search_fields = ("title", "code", "sourced_id")


class SectionTeacherInline(admin.TabularInline):
    model = SectionTeacher
    extra = 0
    autocomplete_fields = ("teacher",)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "course", "term", "period", "room")
    list_filter = ("term__school", "term", "course__subject")
    search_fields = ("name", "course__title", "course__code", "sourced_id")
    autocomplete_fields = ("course",)
    inlines = [SectionTeacherInline]
    list_select_related = ("course", "term__school")


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    autocomplete_fields = ("section",)


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = (
        "last_name",
        "first_name",
        "local_id",
        "grade_level",
        "school",
        "is_active",
    )
    list_filter = (
        "school",
        "grade_level",
        "is_active",
        "english_learner",
        "special_education",
        "economically_disadvantaged",
    )
    search_fields = (
        "last_name",
        "first_name",
        "preferred_name",
        "local_id",
        "sourced_id",
    )
    autocomplete_fields = ("counselor",)
    inlines = [EnrollmentInline]
    list_select_related = ("school",)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("student", "section", "begin_date", "end_date")
    list_filter = ("section__term__school", "section__term")
    search_fields = ("student__last_name", "student__local_id", "section__name")
    autocomplete_fields = ("student", "section")
    list_select_related = ("student", "section")


@admin.register(Guardian)
class GuardianAdmin(admin.ModelAdmin):
    list_display = (
        "last_name",
        "first_name",
        "relationship",
        "email",
        "phone",
        "is_active",
    )
    list_filter = ("relationship", "is_active", "district")
    search_fields = ("last_name", "first_name", "email", "phone", "students__local_id")
    autocomplete_fields = ("students",)


class AccessedStudentInline(admin.TabularInline):
    model = AccessedStudent
    fields = ("student", "at")
    readonly_fields = fields
    raw_id_fields = ("student",)
    extra = 0
    can_delete = False


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """The record of access is evidence: it can be read, never written here."""

    list_display = ("at", "user", "role", "kind", "what", "student_count")
    list_filter = ("kind",)
    search_fields = ("user__email", "what", "path")
    date_hierarchy = "at"
    list_select_related = ("user",)
    inlines = [AccessedStudentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
