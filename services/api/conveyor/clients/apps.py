from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "conveyor.clients"
    label = "clients"
    verbose_name = "API clients"
