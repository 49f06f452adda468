from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fairbill.core"
    label = "core"
    verbose_name = "Fairbill core"
