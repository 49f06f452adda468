from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "fairbill.customers"
    label = "customers"
