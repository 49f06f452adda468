from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "fairbill.subscriptions"
    label = "subscriptions"
