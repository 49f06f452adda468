"""The billing-run task moved from fairbill.invoicing.tasks to fairbill.automation.tasks.

Tasks queued before an upgrade name the old path and would fail to import in the new
worker; point them at the new one (finished results too, so they stay readable)."""

from django.db import migrations

MOVED = {"fairbill.invoicing.tasks.run_billing": "fairbill.automation.tasks.run_billing"}


def forwards(apps, schema_editor):
    results = apps.get_model("django_tasks_database", "DBTaskResult").objects
    for old, new in MOVED.items():
        results.filter(task_path=old).update(task_path=new)


def backwards(apps, schema_editor):
    results = apps.get_model("django_tasks_database", "DBTaskResult").objects
    for old, new in MOVED.items():
        results.filter(task_path=new).update(task_path=old)


class Migration(migrations.Migration):
    dependencies = [("django_tasks_database", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
