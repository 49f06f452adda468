from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "fairbill.api"
    label = "api"
