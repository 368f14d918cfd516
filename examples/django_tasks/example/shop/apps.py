from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "example.shop"
    label = "shop"
