from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "como.console"
    label = "console"
    verbose_name = "Operator console"

    def ready(self) -> None:
        from django.contrib import admin

        from .campaign import register_campaign_page
        from .dashboard import register_panels
        from .navigation import register_core_groups
        from .reports.views import register_campaign_panel

        register_core_groups()
        register_panels()
        register_campaign_page()
        register_campaign_panel()
        # The admin's home is the dashboard (its panels come from dashboard_callback).
        admin.site.index_template = "console/dashboard.html"
