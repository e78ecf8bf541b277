from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets

from .models import Job


class JobSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", default=None)

    class Meta:
        model = Job
        fields = ["id", "kind", "status", "progress", "message", "result", "error", "attempts", "requested_by",
                  "created", "started", "finished"]  # fmt: skip
        read_only_fields = fields


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """Background jobs (replans, imports): poll one for its progress and outcome."""

    serializer_class = JobSerializer
    filterset_fields = ["kind", "status"]

    def get_queryset(self) -> Any:
        return Job.objects.select_related("requested_by")
