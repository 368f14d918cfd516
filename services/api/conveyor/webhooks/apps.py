from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "conveyor.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
