from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "conveyor.workflows"
    label = "workflows"
    verbose_name = "Workflows"
