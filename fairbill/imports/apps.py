from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "fairbill.imports"
    label = "imports"
    verbose_name = "CSV imports"
