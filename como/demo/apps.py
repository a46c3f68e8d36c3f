from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and a one-command local stack (``make demo``); no models of its own."""

    name = "como.demo"
    label = "demo"
    verbose_name = "Demo"
