"""Hourly rates and billed time entries, moved from the Basecamp app (basecamp 0002): state
only, on the tables that app created (basecamp_hourlyrate, basecamp_billedentry)."""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("basecamp", "0002_time_billing_moves_out"),
        ("customers", "0001_initial"),
        ("invoicing", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HourlyRate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("rate", models.DecimalField(decimal_places=4, max_digits=12)),
                        ("updated_at", models.DateTimeField()),
                        (
                            "customer",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="hourly_rate",
                                to="customers.customer",
                            ),
                        ),
                    ],
                    options={"db_table": "basecamp_hourlyrate"},
                ),
                migrations.CreateModel(
                    name="BilledEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "source",
                            models.CharField(
                                choices=[("basecamp", "Basecamp"), ("csv", "Csv")], max_length=10
                            ),
                        ),
                        ("external_id", models.CharField(max_length=64)),
                        ("entry_date", models.DateField()),
                        (
                            "hours",
                            models.DecimalField(decimal_places=4, default=Decimal("0"), max_digits=10),
                        ),
                        ("description", models.CharField(blank=True, max_length=500)),
                        ("project", models.CharField(blank=True, max_length=300)),
                        ("person", models.CharField(blank=True, max_length=200)),
                        ("entry_updated_at", models.DateTimeField(blank=True, null=True)),
                        ("billed_at", models.DateTimeField()),
                        (
                            "customer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="billed_time_entries",
                                to="customers.customer",
                            ),
                        ),
                        (
                            "invoice",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="time_entries",
                                to="invoicing.invoice",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "basecamp_billedentry",
                        "verbose_name": "billed time entry",
                        "verbose_name_plural": "billed time entries",
                        "ordering": ["entry_date", "id"],
                        "indexes": [
                            models.Index(
                                fields=["customer", "invoice"],
                                name="basecamp_bi_custome_71ce52_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("source", "external_id"), name="time_entry_billed_once"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
