from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "fairbill.automation"
    label = "automation"
