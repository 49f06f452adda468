from django.db import migrations, models


class Migration(migrations.Migration):
    """A credit note's refund may be a payment refunded its own way (card, Direct Debit at
    the gateway; cheque)."""

    dependencies = [
        ("invoicing", "0008_merge_0006_credit_notes_0007_estimates_workflow"),
    ]

    operations = [
        migrations.AlterField(
            model_name="creditnote",
            name="refund_method",
            field=models.CharField(
                blank=True,
                choices=[
                    ("bank_transfer", "Bank transfer"),
                    ("cash", "Cash"),
                    ("cheque", "Cheque"),
                    ("card", "Card"),
                    ("direct_debit", "Direct Debit"),
                ],
                max_length=20,
            ),
        ),
    ]
