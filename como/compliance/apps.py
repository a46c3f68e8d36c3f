from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "como.compliance"
    label = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from .generic import GENERIC_CHECKS
        from .registry import register_check

        for check in GENERIC_CHECKS:
            register_check(check)
