from django.contrib import admin

from assessments.models import (
    AssessmentItem,
    CommonAssessment,
    ItemScore,
    OutcomeCut,
    ReteachItem,
    StudentMastery,
    TriagePolicy,
)


class ItemInline(admin.TabularInline):
    model = AssessmentItem
    extra = 0
    autocomplete_fields = ("outcome",)


class CutInline(admin.TabularInline):
    model = OutcomeCut
    extra = 0
    autocomplete_fields = ("outcome",)


@admin.register(CommonAssessment)
class CommonAssessmentAdmin(admin.ModelAdmin):
    list_display = ("title", "team", "course", "administered_on", "status")
    list_filter = ("status", "team__school", "administered_on")
    search_fields = ("title", "team__name", "course__title")
    date_hierarchy = "administered_on"
    inlines = [ItemInline, CutInline]
    raw_id_fields = ("students", "retake_of", "data_meeting")
    list_select_related = ("team", "course")


@admin.register(ItemScore)
class ItemScoreAdmin(admin.ModelAdmin):
    list_display = ("student", "item", "points", "mark", "version", "entered_by")
    list_filter = ("mark", "item__assessment__team__school")
    search_fields = (
        "student__last_name",
        "student__local_id",
        "item__assessment__title",
    )
    raw_id_fields = ("student", "item", "entered_by")
    list_select_related = ("student", "item__assessment", "entered_by")


@admin.register(StudentMastery)
class StudentMasteryAdmin(admin.ModelAdmin):
    list_display = ("student", "outcome", "status", "value", "score_count", "method")
    list_filter = ("status", "method")
    search_fields = ("student__last_name", "student__local_id", "outcome__code")
    raw_id_fields = ("student", "outcome")
    list_select_related = ("student", "outcome")


@admin.register(ReteachItem)
class ReteachItemAdmin(admin.ModelAdmin):
    list_display = ("outcome", "section", "proficient_percent", "threshold", "done_at")
    list_filter = ("done_at",)
    search_fields = ("outcome__code", "section__name")
    raw_id_fields = ("assessment", "section", "outcome", "done_by")


@admin.register(TriagePolicy)
class TriagePolicyAdmin(admin.ModelAdmin):
    list_display = ("school", "reteach_threshold")
    search_fields = ("school__name",)
