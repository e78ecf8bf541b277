from django.contrib import admin

from .models import Alert


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["subject_label", "type", "severity", "status", "occurrences", "created", "last_seen"]
    list_filter = ["status", "type", "severity", "subject_type"]
    search_fields = ["subject_label", "message", "key"]
    readonly_fields = ["created", "last_seen"]
