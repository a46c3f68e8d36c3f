from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "como.compliance"
    label = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        # The generic checks register themselves on import.
        from . import generic  # noqa: F401
