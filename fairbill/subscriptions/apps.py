from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "fairbill.subscriptions"
    label = "subscriptions"

    def ready(self) -> None:
        from fairbill.subscriptions.reversals import handlers_register

        handlers_register()
