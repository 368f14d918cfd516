from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from conveyor.clients.forms import ApiClientForm
from conveyor.clients.keycache import key_cache
from conveyor.clients.models import ApiClient
from conveyor.clients.services import api_client_revoke


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin[ApiClient]):
    form = ApiClientForm
    list_display = ("name", "key_prefix", "scopes", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key_prefix")
    readonly_fields = ("key_prefix", "key_digest", "created_at")
    # The webhook signing secret is not shown (create_api_client prints it once;
    # rotate_webhook_secret makes a new one).
    exclude = ("webhook_secret", "previous_webhook_secret", "previous_webhook_secret_until")
    actions = ("revoke_keys",)

    def has_add_permission(self, request: object) -> bool:
        # Keys are created with `manage.py create_api_client`, which shows the key once.
        return False

    @admin.action(description="Revoke the selected clients' API keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            api_client_revoke(client=client)

    # A client changed or deleted here is forgotten by this process's key cache at once
    # (the other API processes forget it within CONVEYOR_API_KEY_CACHE_SECONDS).
    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        key_cache.forget(obj.pk)

    def delete_model(self, request: HttpRequest, obj: ApiClient) -> None:
        client_id = obj.pk
        super().delete_model(request, obj)
        key_cache.forget(client_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        client_ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        for client_id in client_ids:
            key_cache.forget(client_id)
