"""Copy the team's history into the one record of change, keeping every row.

Old rows keep their words (summary and reason), their time and who acted; they
gain a link to the team and its school. They had no before and after values.
"""

from django.db import migrations


def forward(apps, schema_editor):
    TeamEvent = apps.get_model("teams", "TeamEvent")
    Event = apps.get_model("accounts", "Event")
    batch = []
    rows = TeamEvent.objects.select_related("team").order_by("pk")
    for old in rows.iterator(chunk_size=2000):
        batch.append(
            Event(
                type=old.action,
                at=old.created_at,
                actor_id=old.actor_id,
                system="" if old.actor_id else "migration",
                school_id=old.team.school_id,
                team_id=old.team_id,
                summary=old.summary,
                reason=old.reason,
                data={"migrated_from": "team history"},
            )
        )
        if len(batch) >= 2000:
            Event.objects.bulk_create(batch)
            batch = []
    Event.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0001_initial"),
        ("accounts", "0002_record_of_change"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
