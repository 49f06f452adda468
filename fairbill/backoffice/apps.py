from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "fairbill.backoffice"
    label = "backoffice"
