from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "como.consent"
    label = "consent"
    verbose_name = "Consent"
