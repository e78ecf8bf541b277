"""Departments and who works in them with which role. Permissions are derived from these rows only."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.IntegerChoices):
    # Ordered: a higher role can do everything a lower one can in the same department.
    VIEWER = 10, "Viewer"
    PLANNER = 20, "Planner"
    APPROVER = 30, "Approver"
    ADMIN = 40, "Admin"


class Department(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=255, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.PositiveSmallIntegerField(choices=Role.choices, default=Role.VIEWER)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["department__sort_order", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="one_membership_per_department"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.department} ({self.get_role_display()})"
