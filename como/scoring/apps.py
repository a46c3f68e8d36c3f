from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "como.scoring"
    label = "scoring"
    verbose_name = "Scoring"
