from django.conf import settings
from django.core.management.base import BaseCommand

from schools.demo import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Print the demo logins, one per line: role, e-mail, password."

    def handle(self, *args, **options):
        logins = demo_logins()
        if not logins:
            self.stdout.write("No demo accounts (run manage.py seed_demo).")
            return
        width = max(len(login.role) for login in logins) + 2
        email_width = max(len(login.email) for login in logins) + 2
        for login in logins:
            self.stdout.write(
                f"{login.role:<{width}}{login.email:<{email_width}}{DEMO_PASSWORD}"
                f"    ({login.school})"
            )
        if settings.REQUIRE_2FA_ROLES:
            roles = ", ".join(
                role.replace("_", " ") + "s" for role in settings.REQUIRE_2FA_ROLES
            )
            self.stdout.write(
                f"\nTwo-factor log-in is required of {roles}: at their first log-in "
                "they set up an authenticator app. For a demo without it, start the "
                "app with REQUIRE_2FA_ROLES= (empty)."
            )
