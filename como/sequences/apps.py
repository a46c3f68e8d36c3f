from django.apps import AppConfig


class SequencesConfig(AppConfig):
    name = "como.sequences"
    label = "sequences"
    verbose_name = "Sequences"

    def ready(self) -> None:
        from como.agents.execution import register_executor
        from como.leads.reactions import register_events_ingested, register_stage_changed

        from .enrollment import events_ingested_enrol, stage_changed_enrol
        from .versions import KIND, sequence_version_execute

        register_executor(KIND, sequence_version_execute)
        register_events_ingested(events_ingested_enrol)
        register_stage_changed(stage_changed_enrol)

        # The vertical's default programs: `sequences_enabled` checked against them, and a
        # playbook save creating (and proposing) or switching their sequences.
        from como.agents.playbook_settings import VERTICAL_CHECKS
        from como.agents.playbooks import PLAYBOOK_SAVED

        from .defaults import defaults_sync, enabled_errors

        VERTICAL_CHECKS.register(enabled_errors)
        PLAYBOOK_SAVED.register(defaults_sync)

        # The person's memberships and decisions on the contact's page.
        from como.leads.admin import contact_inlines

        from .admin import ContactMembershipInline

        contact_inlines.register(ContactMembershipInline)
