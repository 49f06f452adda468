from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "fairbill.orders"
    label = "orders"
    verbose_name = "Fairbill orders"

    def ready(self) -> None:
        from fairbill.orders.services import handlers_register

        handlers_register()
