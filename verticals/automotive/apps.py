from django.apps import AppConfig


class AutomotiveConfig(AppConfig):
    name = "verticals.automotive"
    label = "vertical_automotive"
    verbose_name = "Automotive vertical"

    def ready(self) -> None:
        from como import verticals

        from .inventory import formats  # noqa: F401 (registers the feed formats)
        from .vertical import PROFILE

        verticals.register(PROFILE)

        # The inventory import's truncated-feed guard proposes its held removals as an action.
        from como.agents.execution import register_executor

        from .inventory.importing.guard import KIND, removals_confirm_execute

        register_executor(KIND, removals_confirm_execute)
