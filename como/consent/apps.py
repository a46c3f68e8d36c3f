from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "como.consent"
    label = "consent"
    verbose_name = "Consent"

    def ready(self) -> None:
        # leads sits below consent: it offers the merge hook, consent fills it in.
        from como.leads.reactions import register_merge_handler

        from .services import consent_records_carry_over

        register_merge_handler(consent_records_carry_over)
