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
