from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fairbill.accounts"
    label = "accounts"

    def ready(self) -> None:
        from fairbill.accounts import signals  # noqa: F401
