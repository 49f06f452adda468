from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "fairbill.reports"
    label = "reports"
