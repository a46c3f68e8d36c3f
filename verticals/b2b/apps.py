from django.apps import AppConfig


class B2BConfig(AppConfig):
    name = "verticals.b2b"
    label = "vertical_b2b"
    verbose_name = "B2B vertical"

    def ready(self) -> None:
        from como import verticals

        from .vertical import PROFILE

        verticals.register(PROFILE)

        # Intent data: the playbook's `intent` setting, the link sweep on beat, the demo's
        # signals from both provider shapes.
        from .intent import register as register_intent

        register_intent()

        # The playbook's "accounts" section (accounts from email domains, buying committees).
        from como.agents.playbook_settings import register_section

        from .accounts.settings import AccountsSettings

        register_section("accounts", AccountsSettings)
        # The editor shows the committee's roles as rows of inputs, not one JSON box.
        from como.agents.playbook_admin.model_forms import SETTING_WIDGETS

        from .accounts.roles_widget import CommitteeRolesWidget

        SETTING_WIDGETS.register("accounts.roles", CommitteeRolesWidget)

        # Accounts found from people, and committees kept in step with them, in the writer's
        # transaction: new or re-addressed contacts are linked by email domain (before they are
        # scored); a changed title, CRM role or account updates the member.
        from como.leads.reactions import (
            register_contact_changed,
            register_contacts_identified,
            register_merge_handler,
        )

        from .accounts.committee import (
            members_carry_over,
            on_contacts_changed,
            on_contacts_identified,
        )

        register_contacts_identified(on_contacts_identified)
        register_contact_changed(on_contacts_changed)
        # An identity merge keeps the member (and a role set by hand) with the survivor.
        register_merge_handler(members_carry_over)

        # The ABM agent: account plays on MQA and on a surge that starts.
        from .abm import register as register_abm

        register_abm()

        # Northwind Cloud's accounts and committees in `make demo`.
        from como.demo.hooks import seeders

        from .accounts.demo import demo_committees_seed

        seeders.register(demo_committees_seed)

        # The console's sidebar: one group for the vertical, the account list (each account's
        # page: committee grid, intent timeline) first.
        from como.console.navigation import SidebarGroup, register_group

        register_group(
            SidebarGroup(
                "b2b",
                "B2B accounts",
                60,
                (
                    ("leads.Account", "domain"),
                    ("vertical_b2b.CommitteeMember", "groups"),
                    ("vertical_b2b.IntentSignal", "trending_up"),
                    ("vertical_b2b.IntentWebhook", "webhook"),
                    ("vertical_b2b.AccountLinkRun", "sync"),
                ),
            )
        )
