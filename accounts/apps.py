from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and access"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in as allauth_logged_in
        from django.contrib.auth.signals import user_logged_in

        from accounts import signals

        user_logged_in.connect(signals.start_session_clocks)
        allauth_logged_in.connect(signals.ask_for_two_factor_setup)
