from django.apps import AppConfig


class TimebillingConfig(AppConfig):
    name = "fairbill.timebilling"
    label = "timebilling"
    verbose_name = "Time billing"
