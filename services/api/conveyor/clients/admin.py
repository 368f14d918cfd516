from django.contrib import admin

from conveyor.clients.models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin[ApiClient]):
    list_display = ("name", "key_prefix", "scopes", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key_prefix")
    readonly_fields = ("key_prefix", "key_digest", "created_at")

    def has_add_permission(self, request: object) -> bool:
        # Keys are created with `manage.py create_api_client`, which shows the key once.
        return False
