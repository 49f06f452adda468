from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "fairbill.automation"
    label = "automation"

    def ready(self) -> None:
        from fairbill.automation.services import handlers_register

        handlers_register()
