from django.apps import AppConfig


class RateLimitsConfig(AppConfig):
    name = "conveyor.ratelimits"
    label = "ratelimits"
