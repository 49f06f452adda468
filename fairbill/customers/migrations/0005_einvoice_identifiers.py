from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_vat_check'),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='electronic_address',
            field=models.CharField(blank=True, db_default='', default='', help_text='Empty: their email.', max_length=100),
        ),
        migrations.AddField(
            model_name='customer',
            name='electronic_address_scheme',
            field=models.CharField(blank=True, db_default='', default='', max_length=4, verbose_name='electronic address scheme'),
        ),
        migrations.AddField(
            model_name='customer',
            name='buyer_reference',
            field=models.CharField(blank=True, db_default='', default='', help_text='Quoted on e-invoices (e.g. their purchase order or Leitweg-ID).', max_length=100),
        ),
        migrations.AddField(
            model_name='customer',
            name='company_number',
            field=models.CharField(blank=True, db_default='', default='', max_length=50, verbose_name='company registration number'),
        ),
        migrations.AddField(
            model_name='customer',
            name='company_number_scheme',
            field=models.CharField(blank=True, db_default='', default='', max_length=4, verbose_name='registration number scheme'),
        ),
        migrations.AddField(
            model_name='customer',
            name='vat_check_retries',
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
    ]
