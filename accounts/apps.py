from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and access"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in as allauth_logged_in
        from django.contrib.admin.models import LogEntry
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from accounts import changes, signals

        user_logged_in.connect(signals.start_session_clocks)
        allauth_logged_in.connect(signals.ask_for_two_factor_setup)
        # The admin edits rows without the services: count everything again.
        post_save.connect(
            changes.admin_changed, sender=LogEntry, dispatch_uid="admin_changed"
        )
