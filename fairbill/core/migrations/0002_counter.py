"""The numbering Counter moves from invoicing to core: state only, the table keeps its name."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("invoicing", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Counter",
                    fields=[
                        (
                            "name",
                            models.CharField(max_length=20, primary_key=True, serialize=False),
                        ),
                        ("next_number", models.PositiveBigIntegerField(default=1)),
                    ],
                    options={"db_table": "invoicing_counter"},
                ),
            ],
            database_operations=[],
        ),
    ]
