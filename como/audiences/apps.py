from django.apps import AppConfig


class AudiencesConfig(AppConfig):
    name = "como.audiences"
    label = "audiences"
    verbose_name = "Audiences"
