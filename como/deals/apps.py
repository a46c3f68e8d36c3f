from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "como.deals"
    label = "deals"
    verbose_name = "Deals"
