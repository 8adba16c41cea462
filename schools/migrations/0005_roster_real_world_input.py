from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0004_advisor_and_mentor"),
    ]

    operations = [
        migrations.AddField(
            model_name="school",
            name="is_active",
            field=models.BooleanField(default=True, db_default=True),
        ),
        migrations.AddField(
            model_name="term",
            name="is_active",
            field=models.BooleanField(default=True, db_default=True),
        ),
        migrations.AddField(
            model_name="course",
            name="is_active",
            field=models.BooleanField(default=True, db_default=True),
        ),
        migrations.AlterField(
            model_name="student",
            name="grade_level",
            field=models.SmallIntegerField(
                blank=True,
                choices=[
                    (-1, "Pre-K"),
                    (0, "Kindergarten"),
                    (1, "Grade 1"),
                    (2, "Grade 2"),
                    (3, "Grade 3"),
                    (4, "Grade 4"),
                    (5, "Grade 5"),
                    (6, "Grade 6"),
                    (7, "Grade 7"),
                    (8, "Grade 8"),
                    (9, "Grade 9"),
                    (10, "Grade 10"),
                    (11, "Grade 11"),
                    (12, "Grade 12"),
                ],
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="importrun",
            name="upload_deleted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
