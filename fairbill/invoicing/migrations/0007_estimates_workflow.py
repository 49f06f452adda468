from django.db import migrations, models


class Migration(migrations.Migration):
    """Estimates: sent and answered times, a decline reason, list indexes, and accepted ⇔ has
    an invoice. (Apart from the data change of 0006: PostgreSQL can't alter a table in the
    transaction that updated its rows.)"""

    dependencies = [
        ("customers", "0004_vat_check"),
        ("invoicing", "0006_estimates_statuses"),
    ]

    operations = [
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
