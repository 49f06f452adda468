from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "fairbill.catalog"
    label = "catalog"
