from django.apps import AppConfig


class SchedulesConfig(AppConfig):
    name = "conveyor.schedules"
    label = "schedules"
