from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "como.console"
    label = "console"
    verbose_name = "Operator console"

    def ready(self) -> None:
        from .navigation import register_core_groups

        register_core_groups()
