from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "como.deals"
    label = "deals"
    verbose_name = "Deals"

    def ready(self) -> None:
        # The person's deals on the contact's page: leads, a floor down, offers the hook.
        from como.leads.admin import contact_inlines

        from .admin import ContactOpportunityInline

        contact_inlines.register(ContactOpportunityInline)
