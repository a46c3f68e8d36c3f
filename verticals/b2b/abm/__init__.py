"""The ABM agent: when an account becomes an MQA or starts surging, one account play.

- :mod:`.agent`: its key (``abm``) and kind (``account_play``);
- :mod:`.proposals`: :func:`~.proposals.propose_account_plays`, the entry point (set-based, in
  the caller's transaction, deduped by account while a play waits); its payload is the play's
  parts as data: the handoff, the sequence enrolments by role, the LinkedIn audience of the
  missing roles, with the committee gap and what changed;
- :mod:`.gate`: the GDPR/CASL/CAN-SPAM gate on every member a play would email;
- :mod:`.surge`: the trigger on intent batches (an account that starts surging);
- :mod:`.execution`: the executor, part by part (:class:`~.models.AccountPlayPart`);
- :mod:`.services`: the approver drops parts before approving;
- :mod:`.presenter`: the inbox's subject and preview.

- :mod:`.mqa`: the trigger on the account score's stage moves (an account that becomes an MQA).
"""


def register() -> None:
    """From ``B2BConfig.ready()``: the agent, its executor, its presenter, the surge watcher."""
    from como.agents.execution import register_executor
    from como.agents.registry import register_agent
    from como.agents.subjects import register_presenter

    from ..accounts.hooks import register_account_stage_changed
    from ..intent.services import WATCHERS
    from .agent import KIND, SPEC
    from .execution import play_execute
    from .mqa import on_account_stage_changed
    from .presenter import PRESENTER
    from .surge import surge_watch

    register_agent(SPEC)
    register_executor(KIND, play_execute)
    register_presenter(KIND, PRESENTER)
    WATCHERS.register(surge_watch)
    register_account_stage_changed(on_account_stage_changed)
