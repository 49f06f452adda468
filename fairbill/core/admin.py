from django.contrib import admin

from fairbill.core.models import BusinessSettings, Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "subject_type", "subject_id", "customer_id"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["action", "actor_label", "message"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(BusinessSettings)
