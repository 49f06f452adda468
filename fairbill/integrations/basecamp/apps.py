from django.apps import AppConfig


class BasecampConfig(AppConfig):
    name = "fairbill.integrations.basecamp"
    label = "basecamp"
    verbose_name = "Basecamp integration"
