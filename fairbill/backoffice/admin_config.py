"""Django admin's app, with our admin site (backoffice.admin_site) as its default site. Kept
apart from admin_site.py: an app config is imported before the models are ready."""

from django.contrib.admin.apps import AdminConfig


class FairbillAdminConfig(AdminConfig):
    default_site = "fairbill.backoffice.admin_site.FairbillAdminSite"
