from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from accounts.models import Event, OutboxMessage, User
from accounts.services import send_password_set_email


class UserCreationByEmailForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name")


class UserChangeByEmailForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeByEmailForm
    add_form = UserCreationByEmailForm
    ordering = ("last_name", "first_name", "email")
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "is_superuser", "staff_roles__role")
    search_fields = ("email", "first_name", "last_name", "sourced_id")
    actions = ["send_password_set_emails"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("title", "first_name", "last_name")}),
        (
            "Access",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("Record", {"fields": ("sourced_id", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @admin.action(description="Send a password-set e-mail")
    def send_password_set_emails(self, request, queryset):
        # Staff imported without an e-mail hold an address under the reserved
        # `.invalid` domain, which no mail can reach.
        active = queryset.filter(is_active=True).exclude(email__iendswith=".invalid")
        for user in active:
            send_password_set_email(
                user=user,
                domain=request.get_host(),
                use_https=request.is_secure(),
                actor=request.user,
            )
        sent = active.count()
        skipped = queryset.count() - sent
        self.message_user(
            request,
            f"Password-set e-mail queued for {sent} account{'s' if sent != 1 else ''}."
            + (
                f" {skipped} account(s) skipped: inactive, or with no e-mail address."
                if skipped
                else ""
            ),
            messages.SUCCESS,
        )


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("at", "type", "actor", "system", "school", "summary")
    list_filter = ("type", "system")
    search_fields = ("actor__email", "summary", "reason")
    date_hierarchy = "at"
    list_select_related = ("actor", "school")
    raw_id_fields = ("actor", "school", "student", "team", "assessment")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Background work on its way to the workers; `manage.py drain_outbox
    --retry-dead` sends dead messages again."""

    list_display = ("created_at", "task", "attempts", "sent_at", "dead")
    list_filter = ("dead", "task")
    search_fields = ("task", "last_error")
    date_hierarchy = "created_at"
    readonly_fields = (
        "task",
        "kwargs",
        "created_at",
        "available_at",
        "attempts",
        "sent_at",
        "last_error",
        "dead",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
