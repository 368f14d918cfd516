from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "example.shop"
    label = "shop"

    def ready(self) -> None:
        from example.shop import signals  # noqa: F401  (connects the receivers)
