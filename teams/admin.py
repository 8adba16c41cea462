from django.contrib import admin

from teams.models import (
    ActionItem,
    EssentialOutcome,
    Meeting,
    Norm,
    SchoolCommitments,
    SchoolGoal,
    SmartGoal,
    Team,
    TeamMembership,
)


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ("user",)


class NormInline(admin.TabularInline):
    model = Norm
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "kind", "mastery_method", "is_active")
    list_filter = ("kind", "is_active", "mastery_method", "school")
    search_fields = ("name", "school__name", "courses__title", "courses__code")
    autocomplete_fields = ("school", "courses")
    inlines = [MembershipInline, NormInline]
    list_select_related = ("school",)


@admin.register(EssentialOutcome)
class EssentialOutcomeAdmin(admin.ModelAdmin):
    list_display = ("code", "statement", "team", "course", "unit", "is_active")
    list_filter = ("is_active", "mastery_method", "team__school", "team")
    search_fields = ("code", "statement", "unit", "team__name", "course__title")
    autocomplete_fields = ("team", "course")
    list_select_related = ("team", "course")


@admin.register(SmartGoal)
class SmartGoalAdmin(admin.ModelAdmin):
    list_display = ("__str__", "team", "target", "deadline", "is_active")
    list_filter = ("is_active", "team__school", "team")
    search_fields = ("team__name", "outcome__code", "course__title")
    autocomplete_fields = ("team", "outcome", "course", "school_goal")
    list_select_related = ("team", "outcome__course", "course")
    date_hierarchy = "deadline"


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    autocomplete_fields = ("owner",)
    fields = ("title", "owner", "due_on", "done_at")


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("team", "kind", "held_on", "starts_at")
    list_filter = ("kind", "team__school", "team")
    search_fields = ("team__name", "agenda", "notes", "decisions")
    autocomplete_fields = ("team", "attendees")
    inlines = [ActionItemInline]
    date_hierarchy = "held_on"
    list_select_related = ("team",)


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "due_on", "done_at", "meeting")
    list_filter = ("meeting__team__school", "meeting__team")
    search_fields = ("title", "owner__email", "owner__last_name")
    autocomplete_fields = ("meeting", "owner")
    list_select_related = ("owner", "meeting__team")


@admin.register(SchoolCommitments)
class SchoolCommitmentsAdmin(admin.ModelAdmin):
    list_display = ("school", "updated_at", "updated_by")
    search_fields = ("school__name", "mission", "vision")
    list_select_related = ("school", "updated_by")


@admin.register(SchoolGoal)
class SchoolGoalAdmin(admin.ModelAdmin):
    list_display = ("title", "school", "is_active", "position")
    list_filter = ("is_active", "school")
    search_fields = ("title", "description")
