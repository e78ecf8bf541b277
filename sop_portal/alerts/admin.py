from django.contrib import admin

from .models import Alert, AlertOccurrence, OutboundEmail, Subscription


class AlertOccurrenceInline(admin.TabularInline):
    model = AlertOccurrence
    extra = 0
    can_delete = False
    fields = ["at", "event", "actor", "severity", "message"]
    readonly_fields = ["at", "event", "actor", "severity", "message"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["subject_label", "type", "severity", "status", "owner", "due_at", "occurrences", "created",
                    "last_seen"]  # fmt: skip
    list_filter = ["status", "type", "severity", "subject_type"]
    search_fields = ["subject_label", "message", "key"]
    # Status, owner and acknowledgement change through the notification centre (services), not here.
    readonly_fields = ["created", "last_seen", "status", "owner", "due_at", "acknowledged_at", "acknowledged_by",
                       "resolved_at", "resolved_by"]  # fmt: skip
    inlines = [AlertOccurrenceInline]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "frequency", "min_severity", "time_of_day", "time_zone", "last_digest_at"]
    list_filter = ["frequency", "min_severity"]
    search_fields = ["user__username", "user__email"]
    readonly_fields = ["last_digest_at", "updated"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by services and sent by workers."""

    list_display = ["recipient", "subject", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["recipient", "subject", "dedupe_key"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
