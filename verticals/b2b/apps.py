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

        # The console's sidebar: committees and link runs in the vertical's group.
        from como.console.navigation import SidebarGroup, register_group

        register_group(
            SidebarGroup(
                "b2b",
                "B2B accounts",
                60,
                (
                    ("vertical_b2b.CommitteeMember", "groups"),
                    ("vertical_b2b.AccountLinkRun", "sync"),
                ),
            )
        )
