from django.db import migrations


def invoiced_to_accepted(apps, schema_editor):
    """"invoiced" was an accepted estimate turned into an invoice: now one status, accepted."""
    Estimate = apps.get_model("invoicing", "Estimate")
    Estimate.objects.filter(status="invoiced").update(status="accepted")
    # An estimate marked accepted but never invoiced goes back to sent: accepting invoices it.
    Estimate.objects.filter(status="accepted", invoice__isnull=True).update(status="sent")


class Migration(migrations.Migration):

    dependencies = [
        ("invoicing", "0005_tax_treatment"),
    ]

    operations = [
        migrations.RunPython(invoiced_to_accepted, migrations.RunPython.noop),
    ]
