from django.db import migrations, models


def invoiced_to_accepted(apps, schema_editor):
    """"invoiced" was an accepted estimate turned into an invoice: now one status, accepted."""
    Estimate = apps.get_model("invoicing", "Estimate")
    Estimate.objects.filter(status="invoiced").update(status="accepted")
    # An estimate marked accepted but never invoiced goes back to sent: accepting invoices it.
    Estimate.objects.filter(status="accepted", invoice__isnull=True).update(status="sent")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0004_vat_check"),
        ("invoicing", "0005_tax_treatment"),
    ]

    operations = [
        migrations.RunPython(invoiced_to_accepted, migrations.RunPython.noop),
        migrations.AddField(
            model_name='estimate',
            name='decided_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='estimate',
            name='decline_reason',
            field=models.CharField(blank=True, default='', max_length=500),
        ),
        migrations.AddField(
            model_name='estimate',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='estimate',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('sent', 'Sent'), ('accepted', 'Accepted'), ('declined', 'Declined')], default='draft', max_length=10),
        ),
        migrations.AddIndex(
            model_name='estimate',
            index=models.Index(fields=['status', 'issue_date', 'id'], name='estimate_status_issued'),
        ),
        migrations.AddIndex(
            model_name='estimate',
            index=models.Index(fields=['customer', 'issue_date', 'id'], name='estimate_customer_issued'),
        ),
        migrations.AddConstraint(
            model_name='estimate',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('invoice__isnull', False), ('status', 'accepted')), models.Q(models.Q(('status', 'accepted'), _negated=True), ('invoice__isnull', True)), _connector='OR'), name='estimate_accepted_has_invoice'),
        ),
    ]
