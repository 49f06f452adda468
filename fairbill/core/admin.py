from typing import Any

from django.contrib import admin

from fairbill.core.models import BusinessSettings, Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The audit log is append-only: readable here, never added, changed or deleted."""

    list_display = ["at", "actor_label", "action", "subject_type", "subject_id", "customer_id"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["action", "actor_label", "message"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


admin.site.register(BusinessSettings)
