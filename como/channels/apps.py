from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "como.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        # The built-in adapters and the system checks register themselves on import.
        from . import builtin, checks  # noqa: F401

        # The lint API (POST /api/v1/compliance/check) lints copy as each channel sends it.
        from .lint import register as register_lints

        register_lints()
