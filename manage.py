#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plc.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        from django.conf import settings

        # Read the settings now: Django would otherwise defer a configuration
        # error and fail later with an unrelated "apps aren't loaded" traceback.
        settings.INSTALLED_APPS  # noqa: B018
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        sys.exit(f"Configuration error: {error}")
    except OperationalError as error:
        reason = str(error).strip().splitlines()[0]
        sys.exit(
            f"The database cannot be reached: {reason}\n"
            "Start PostgreSQL or set DATABASE_URL; `make run` does both for you."
        )


if __name__ == "__main__":
    main()
