from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "como.scoring"
    label = "scoring"
    verbose_name = "Scoring"

    def ready(self) -> None:
        from como.leads.reactions import register_contact_changed

        from .services import contacts_changed_rescore

        register_contact_changed(contacts_changed_rescore)
