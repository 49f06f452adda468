"""Fill the daily totals from the invoices and payments already there (what
`fairbill check-totals --fix` does), so the dashboard reads the same figures as before."""

from typing import Any

from django.db import migrations

from fairbill.core.totals import deltas_sum
from fairbill.reports.totals import Sources, recompute


def fill(apps: Any, schema_editor: Any) -> None:
    sources = Sources(
        apps.get_model("invoicing", "Invoice"),
        apps.get_model("invoicing", "InvoiceTax"),
        apps.get_model("payments", "Payment"),
    )
    daily_total = apps.get_model("core", "DailyTotal")
    deltas = deltas_sum(d for _, found in recompute(sources) for d in found).values()
    rows = [
        daily_total(
            currency=d.key.currency,
            measure=d.key.measure,
            day=d.key.day,
            label=d.key.label,
            rate=d.key.rate,
            count=d.count,
            net=d.net,
            tax=d.tax,
            total=d.total,
        )
        for d in deltas
    ]
    daily_total.objects.all().delete()
    daily_total.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_daily_totals"),
        ("invoicing", "0005_tax_treatment"),
        ("payments", "0003_merge_0002_credit_removed_kind_0002_list_indexes"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
