from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "como.scoring"
    label = "scoring"
    verbose_name = "Scoring"

    def ready(self) -> None:
        from como.leads.ranking import register_contact_scorer
        from como.leads.reactions import register_contact_changed

        from .ranking import CONTACT_SCORES
        from .score_state import contacts_changed_rescore

        register_contact_changed(contacts_changed_rescore)
        register_contact_scorer(CONTACT_SCORES)
