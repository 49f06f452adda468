from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "fairbill.demo"
    label = "demo"
    verbose_name = "Fairbill demo data"
