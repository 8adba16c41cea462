"""Read-mostly admin: cases and their records change through the app's services,
which write the record of change; the admin is for looking, not editing."""

from django.contrib import admin

from interventions.models import (
    Attendance,
    Case,
    CaseAction,
    CaseOutcome,
    Group,
    LetterTemplate,
    Notification,
    ParentNotice,
    Placement,
    Rung,
    RungAction,
    Session,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RungActionInline(admin.TabularInline):
    model = RungAction
    extra = 0


@admin.register(Rung)
class RungAdmin(ReadOnly):
    list_display = ("school", "position", "name", "tier", "review_days", "is_active")
    list_filter = ("school", "tier", "is_active")
    inlines = [RungActionInline]


class CaseOutcomeInline(admin.TabularInline):
    model = CaseOutcome
    extra = 0
    can_delete = False
    readonly_fields = ("outcome", "snapshot", "added_on")


class CaseActionInline(admin.TabularInline):
    model = CaseAction
    extra = 0
    can_delete = False
    fields = ("title", "responsible", "owner", "owner_note", "due_on", "done_at")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnly):
    list_display = (
        "student",
        "course",
        "rung",
        "status",
        "next_review_on",
        "counselor",
    )
    list_filter = ("school", "status", "rung__tier")
    search_fields = ("student__last_name", "student__local_id", "course__title")
    list_select_related = ("student", "course", "rung", "counselor")
    inlines = [CaseOutcomeInline, CaseActionInline]


@admin.register(Group)
class GroupAdmin(ReadOnly):
    list_display = ("name", "school", "kind", "supervisor", "capacity", "is_active")
    list_filter = ("school", "kind", "is_active")
    search_fields = ("name",)


@admin.register(Placement)
class PlacementAdmin(ReadOnly):
    list_display = (
        "student",
        "group",
        "status",
        "requested_at",
        "placed_on",
        "ended_on",
    )
    list_filter = ("group__school", "status")
    search_fields = ("student__last_name", "student__local_id", "group__name")
    list_select_related = ("student", "group")


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    can_delete = False
    readonly_fields = ("student", "mark", "homework_done")


@admin.register(Session)
class SessionAdmin(ReadOnly):
    list_display = ("group", "on", "taken_by", "taken_at")
    list_filter = ("group__school",)
    date_hierarchy = "on"
    inlines = [AttendanceInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ("created_at", "user", "kind", "text", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("user__email", "text")
    list_select_related = ("user",)


@admin.register(ParentNotice)
class ParentNoticeAdmin(ReadOnly):
    list_display = ("created_at", "case", "guardian", "emailed_at")
    search_fields = ("case__student__last_name", "guardian__last_name")
    list_select_related = ("case__student", "case__course", "guardian")


@admin.register(LetterTemplate)
class LetterTemplateAdmin(ReadOnly):
    list_display = ("school",)
