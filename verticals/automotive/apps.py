from typing import Any

from django.apps import AppConfig


class AutomotiveConfig(AppConfig):
    name = "verticals.automotive"
    label = "vertical_automotive"
    verbose_name = "Automotive vertical"

    def ready(self) -> None:
        from como import verticals

        from .inventory import formats  # noqa: F401 (registers the feed formats)
        from .vertical import PROFILE

        verticals.register(PROFILE)
        _name_schema_enums()

        # The automotive compliance checks (pricing, lending, leasing, labels…).
        from como.compliance.registry import register_check

        from .compliance import CHECKS

        for check in CHECKS:
            register_check(check)

        # The lint API's vehicle_id: an inventory vehicle of the caller's workspace.
        from como.compliance.vehicles import register_vehicle_source

        from .compliance.lint_vehicle import lint_vehicle

        register_vehicle_source(PROFILE.slug, lint_vehicle)

        # ... and its coop_program: a co-op program of the workspace, or those of the make.
        from como.compliance.programs import register_coop_source

        from .coop.lint import lint_coop

        register_coop_source(PROFILE.slug, lint_coop)

        # The playbook's merchandising rules are the inventory-ads agent's, validated by it.
        from como.agents.playbook_settings import register_section

        from .ads.rules import MerchandisingRules

        register_section("merchandising", MerchandisingRules)

        # Meta's and Google's vehicle catalogs, served at como's signed feed URLs.
        from .ads import feeds as ad_feeds

        ad_feeds.register()

        # The inventory import's truncated-feed guard proposes its held removals as an action.
        from como.agents.execution import register_executor

        from .inventory.importing.guard import KIND, removals_confirm_execute

        register_executor(KIND, removals_confirm_execute)

        # The inventory-ads agent, its reaction to imports and its executors.
        from .ads.agent import register as register_inventory_ads

        register_inventory_ads()
        _schedule_ads_sweep()

        # How its actions read in the approval inbox: vehicles, rooftop, each vehicle's ad.
        from .ads.inbox import register as register_inbox

        register_inbox()

        # VIN-level attribution: a click of a vehicle's ad is a touch about its VIN.
        from .ads.attribution import register as register_vin_ads

        register_vin_ads()

        # Lakeside Auto Group's ad accounts, then its rooftops and moving inventory, then
        # one rooftop's ads launched, in `make demo` (in this order: the first import already
        # finds where its ads go, and the launches find the vehicles).
        from como.demo.hooks import seeders

        from .ads.demo import demo_ads_launch, demo_ads_seed
        from .coop.demo import demo_coop_seed
        from .dms.demo import demo_dms_seed
        from .inventory.demo.services import demo_inventory_seed

        seeders.register(demo_ads_seed)
        seeders.register(demo_inventory_seed)
        seeders.register(demo_ads_launch)
        seeders.register(demo_coop_seed)
        # The DMS history of the demo's people at those rooftops (deals, then repair orders).
        seeders.register(demo_dms_seed)

        # The dealer's programs (service reminders, …): their sources, their default
        # sequences for the playbook's sequences_enabled and their playbook settings.
        from .programs import register as register_programs

        register_programs()
        # ... and the demo switches them on, once the DMS history is in.
        from .programs.demo import demo_programs_seed

        seeders.register(demo_programs_seed)
        # ... then the parts catalog and the parts, trade-in, conquest and EV programs.
        from .programs.demo_dealer import demo_dealer_programs_seed

        seeders.register(demo_dealer_programs_seed)

        # OEM co-op: its program rules as a compliance check, its claim-window warning on beat.
        from django.conf import settings

        from .coop.check import CHECK
        from .coop.tasks import TASK

        register_check(CHECK)
        settings.CELERY_BEAT_SCHEDULE.setdefault(TASK, {"task": TASK, "schedule": 3600.0})

        # The console's sidebar: the dealer's inventory, its ads and co-op in one group.
        from como.console.navigation import register_group

        register_group(_sidebar_group())

        # ... and the dashboard's inventory-ads health panel.
        from como.console.panels import register_panel

        from .ads.dashboard import PANEL

        register_panel(PANEL)


def _sidebar_group() -> Any:
    from como.console.navigation import SidebarGroup

    return SidebarGroup(
        "automotive",
        "Automotive",
        60,
        (
            ("vertical_automotive.Rooftop", "storefront"),
            ("vertical_automotive.Vehicle", "directions_car"),
            ("vertical_automotive.InventorySource", "cloud_download"),
            ("vertical_automotive.InventoryImport", "upload_file"),
            ("vertical_automotive.VehicleAd", "ads_click"),
            ("vertical_automotive.AdBreach", "warning"),
            ("vertical_automotive.CreativeTemplate", "palette"),
            ("vertical_automotive.CoopProgram", "handshake"),
            ("vertical_automotive.CoopCampaign", "campaign"),
            ("vertical_automotive.CoopClaim", "receipt_long"),
            ("vertical_automotive.VehicleOwnership", "car_repair"),
            ("vertical_automotive.DmsImport", "history"),
            ("vertical_automotive.PartsItem", "build"),
        ),
    )


def _schedule_ads_sweep() -> None:
    """Beat's sweep under the pause (stray live ads of sold vehicles, 48-hour breaches), in
    the project's beat schedule: beat copies it into its database schedule when it starts,
    after every ``ready()``. The entry belongs with the vertical, not in como's settings."""
    from django.conf import settings

    from .ads.breaches import SWEEP_EVERY_SECONDS
    from .ads.tasks import SWEEP_TASK

    schedule: dict[str, Any] = settings.CELERY_BEAT_SCHEDULE
    schedule.setdefault(SWEEP_TASK, {"task": SWEEP_TASK, "schedule": SWEEP_EVERY_SECONDS})


def _name_schema_enums() -> None:
    """Name the vertical's choice sets in the API schema.

    A vehicle's ``status`` appears in two components (a vehicle, a vehicle with its history),
    and other "status" sets exist, so drf-spectacular would fall back on a hashed name and warn
    (``check --deploy`` fails on it). The override belongs with the vertical, not in como's
    settings; drf-spectacular reads it when it first builds a schema, after every ``ready()``.
    """
    from django.conf import settings

    spectacular: dict[str, Any] = settings.SPECTACULAR_SETTINGS
    overrides = spectacular.setdefault("ENUM_NAME_OVERRIDES", {})
    overrides.setdefault("VehicleStatusEnum", "verticals.automotive.inventory.models.VehicleStatus")
