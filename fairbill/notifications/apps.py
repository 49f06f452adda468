from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "fairbill.notifications"
    label = "notifications"

    def ready(self) -> None:
        from fairbill.notifications.handlers import handlers_register

        handlers_register()
