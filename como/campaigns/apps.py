from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "como.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        # Channels serve feeds from sources registered by key; the generic catalog is ours.
        from como.channels.feeds import register_feed_source

        from .feeds import KEY, source

        register_feed_source(KEY, source)

        # Stored attribution follows deals and the playbook's attribution settings.
        from .attribution.hooks import register

        register()
