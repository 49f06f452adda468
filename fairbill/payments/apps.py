from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "fairbill.payments"
    label = "payments"
