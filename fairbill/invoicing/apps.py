from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "fairbill.invoicing"
    label = "invoicing"
