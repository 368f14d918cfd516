from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "conveyor.queues"
    label = "queues"
