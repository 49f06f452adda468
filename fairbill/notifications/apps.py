from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "fairbill.notifications"
    label = "notifications"
