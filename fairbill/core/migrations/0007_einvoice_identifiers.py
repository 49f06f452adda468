from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_credit_notes'),
    ]

    operations = [
        migrations.AddField(
            model_name='businesssettings',
            name='company_number_scheme',
            field=models.CharField(blank=True, db_default='', default='', help_text='ISO 6523 ICD code of the register, if e-invoices need it (e.g. 0002 SIREN).', max_length=4, verbose_name='registration number scheme'),
        ),
        migrations.AddField(
            model_name='businesssettings',
            name='electronic_address',
            field=models.CharField(blank=True, db_default='', default='', help_text="Where buyers' software sends e-invoices to you, e.g. your Peppol id. Empty: your email address.", max_length=100),
        ),
        migrations.AddField(
            model_name='businesssettings',
            name='electronic_address_scheme',
            field=models.CharField(blank=True, db_default='', default='', help_text='EAS code, e.g. 0088 GLN, 0208 Belgian enterprise number, 9930 German VAT.', max_length=4, verbose_name='electronic address scheme'),
        ),
    ]
