from django.apps import AppConfig


class B2BConfig(AppConfig):
    name = "verticals.b2b"
    label = "vertical_b2b"
    verbose_name = "B2B vertical"

    def ready(self) -> None:
        from como import verticals

        from .vertical import PROFILE

        verticals.register(PROFILE)
