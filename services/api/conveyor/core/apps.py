from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "conveyor.core"
    label = "core"
