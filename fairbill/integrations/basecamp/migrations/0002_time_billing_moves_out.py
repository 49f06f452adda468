"""Hourly rates and billed time entries now belong to the time billing app (timebilling
0001): state only, the tables, their rows, indexes and constraints stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("basecamp", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HourlyRate"),
                migrations.DeleteModel(name="BilledEntry"),
            ],
            database_operations=[],
        ),
    ]
