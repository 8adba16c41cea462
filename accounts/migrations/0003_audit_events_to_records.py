"""Move the old mixed audit log into the two records that replace it.

Changes (roster imports, password e-mails) become events; reads and exports
become records of access. Old reads named no students, so their records carry
the line that was logged and no student rows.
"""

from django.db import migrations

WRITES = {
    "roster.import_queued",
    "roster.imported",
    "roster.import_refused",
    "user.password_set_sent",
}
EXPORTS = {"roster.exported", "assessment.data_exported"}


def forward(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    Event = apps.get_model("accounts", "Event")
    AccessRecord = apps.get_model("schools", "AccessRecord")
    ImportRun = apps.get_model("schools", "ImportRun")
    run_schools = dict(ImportRun.objects.values_list("pk", "school_id"))
    events, reads = [], []
    for old in AuditEvent.objects.order_by("pk").iterator(chunk_size=2000):
        if old.action in WRITES:
            data = {"migrated_from": "audit log"}
            school_id = None
            if old.object_type == "schools.importrun" and old.object_id.isdigit():
                data["import_run_id"] = int(old.object_id)
                school_id = run_schools.get(int(old.object_id))
            events.append(
                Event(
                    type=old.action,
                    at=old.created_at,
                    actor_id=old.actor_id,
                    system="" if old.actor_id else "migration",
                    school_id=school_id,
                    summary=old.summary or old.action,
                    data=data,
                )
            )
        else:
            reads.append(
                AccessRecord(
                    user_id=old.actor_id,
                    role="",
                    kind="export" if old.action in EXPORTS else "page",
                    what=(old.summary or old.action)[:200],
                    path="",
                    student_count=0,
                    ip_address=old.ip_address,
                    at=old.created_at,
                )
            )
    Event.objects.bulk_create(events, batch_size=2000)
    AccessRecord.objects.bulk_create(reads, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_record_of_change"),
        ("schools", "0003_record_of_access"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
