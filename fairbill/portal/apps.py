from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "fairbill.portal"
    label = "portal"
    verbose_name = "Order forms and My Account"
