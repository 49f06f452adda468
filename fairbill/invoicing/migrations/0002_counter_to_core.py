"""The numbering Counter now belongs to core (core 0002): state only, no table change."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0001_initial"),
        ("core", "0002_counter"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Counter")],
            database_operations=[],
        ),
    ]
