from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "conveyor.jobs"
    label = "jobs"
