from django.db import migrations, models


def clear_unestablished_values(apps, schema_editor):
    """n_mastery short of n scores at the cut used to store the mean of all
    scores; mastery is not established there, so there is no value. The periodic
    recompute fills in "k of n" and the explanation."""
    StudentMastery = apps.get_model("assessments", "StudentMastery")
    StudentMastery.objects.filter(method="n_mastery", status="not_yet").update(
        value=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="studentmastery",
            name="progress",
            field=models.CharField(
                blank=True,
                help_text="For methods that count scores at the cut: “2 of 3 scores "
                "at the cut”.",
                max_length=60,
            ),
        ),
        migrations.AlterField(
            model_name="studentmastery",
            name="value",
            field=models.DecimalField(
                blank=True, decimal_places=3, max_digits=7, null=True
            ),
        ),
        migrations.RunPython(clear_unestablished_values, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="studentmastery",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("value__isnull", False), ("status", "not_yet"), _connector="OR"
                ),
                name="mastery_value_unless_not_yet",
            ),
        ),
    ]
