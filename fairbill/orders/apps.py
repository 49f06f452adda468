from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "fairbill.orders"
    label = "orders"
    verbose_name = "Fairbill orders"
