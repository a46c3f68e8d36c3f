from django.apps import AppConfig


class B2BConfig(AppConfig):
    name = "verticals.b2b"
    label = "vertical_b2b"
    verbose_name = "B2B vertical"

    def ready(self) -> None:
        from como import verticals

        from .vertical import PROFILE

        verticals.register(PROFILE)

        # Intent data: the playbook's `intent` setting, the link sweep on beat, the demo's
        # signals from both provider shapes.
        from .intent import register as register_intent

        register_intent()
