from django.apps import AppConfig


class B2BConfig(AppConfig):
    name = "verticals.b2b"
    label = "vertical_b2b"
    verbose_name = "B2B vertical"

    def ready(self) -> None:
        from como import verticals

        from .vertical import PROFILE

        verticals.register(PROFILE)

        # The demo's account that becomes an MQA while the demo runs: seeded before the demo's
        # intent signals, so its own are linked to it at the first seeding, not the next.
        from como.demo.hooks import seeders

        from .accounts.demo_mqa import demo_mqa_seed

        seeders.register(demo_mqa_seed)

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

        # Account scores and stages, kept in the writers' transactions: after ingest scored
        # the contacts, when members change (after the committee sync above), when intent
        # signals arrive, when members leave an account, and when deals open or are won.
        from como.deals.reactions import register_opportunities_changed
        from como.leads.reactions import register_events_ingested

        from .accounts import score_state
        from .accounts.deal_stages import on_opportunities_saved
        from .accounts.hooks import register_members_left
        from .intent.services import SIGNALS_RECORDED

        register_events_ingested(score_state.on_events_ingested)
        register_contact_changed(score_state.on_contacts_changed)
        register_members_left(score_state.on_members_left)
        SIGNALS_RECORDED.register(score_state.on_signals_recorded)
        register_opportunities_changed(on_opportunities_saved)
        # `score` on account responses and `?ordering=-score` on the accounts list.
        from como.leads.ranking import register_account_scorer

        from .accounts.ranking import ACCOUNT_SCORES

        register_account_scorer(ACCOUNT_SCORES)
        # The dashboard's accounts by stage and new MQAs (B2B workspaces only).
        from como.console.panels import register_panel

        from .accounts.panels import PANEL as ACCOUNTS_PANEL

        register_panel(ACCOUNTS_PANEL)

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
