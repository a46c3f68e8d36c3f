from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "como.agents"
    label = "agents"
    verbose_name = "Agents"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (the vertical playbook defaults' check)
        from .execution import register_executor
        from .webhook import webhook_execute

        register_executor("webhook", webhook_execute)

        # The scoring-refit agent: a weekly (per playbook) refit proposed as a new version.
        from .refit import KIND as REFIT_KIND
        from .refit import REFIT_AGENT, scoring_model_version_execute
        from .registry import register_agent
        from .schedules import AgentSchedule, Cadence, register_schedule

        register_agent(REFIT_AGENT)
        register_executor(REFIT_KIND, scoring_model_version_execute)
        register_schedule(
            AgentSchedule(REFIT_AGENT.key, "como.agents.refit_scoring", Cadence(every=7))
        )

        # The MQL handoff agent: proposes in the MQL's transaction (a leads reaction).
        from como.leads.reactions import register_stage_changed

        from .handoff.agent import KIND as HANDOFF_KIND
        from .handoff.agent import SPEC as HANDOFF_AGENT
        from .handoff.execution import handoff_execute
        from .handoff.overtaken import handoffs_overtaken
        from .handoff.proposals import mql_stage_changed

        register_agent(HANDOFF_AGENT)
        register_executor(HANDOFF_KIND, handoff_execute)
        register_stage_changed(mql_stage_changed)
        # A deal that comes first makes a waiting handoff moot and stops its SLA timer.
        register_stage_changed(handoffs_overtaken)

        # How each kind reads in the approval inbox: the channels' kinds and the agents' own.
        from .inbox.channel_kinds import register as register_presenters

        register_presenters()
