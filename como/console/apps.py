from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "como.console"
    label = "console"
    verbose_name = "Operator console"

    def ready(self) -> None:
        from .campaign import register_campaign_page
        from .navigation import register_core_groups

        register_core_groups()
        register_campaign_page()
