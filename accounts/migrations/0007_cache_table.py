"""The table of the database cache, where log-in rate limits are counted
(plc/settings.py, CACHES), so `migrate` alone sets a site up."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Creates the tables of the database caches CACHES names, if missing; with
    # CACHE_URL pointing at Redis there are none.
    call_command(
        "createcachetable", database=schema_editor.connection.alias, verbosity=0
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_outbox")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
