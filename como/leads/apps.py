from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "como.leads"
    label = "leads"
    verbose_name = "Leads"
