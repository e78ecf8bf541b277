from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import Department, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "member_count", "sort_order"]
    search_fields = ["name", "code"]
    inlines = [MembershipInline]

    @admin.display(description="members")
    def member_count(self, department: Department) -> int:
        return department.memberships.count()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "role", "created"]
    list_filter = ["department", "role"]
    search_fields = ["user__username", "user__email", "department__name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "department"]


class UserMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [UserMembershipInline]
    list_display = ["username", "email", "first_name", "last_name", "departments", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "memberships__department", "memberships__role"]

    @admin.display(description="departments")
    def departments(self, user: object) -> str:
        return ", ".join(m.department.code for m in user.memberships.all())  # type: ignore[attr-defined]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__department")
