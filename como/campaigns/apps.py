from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "como.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"
