"""The MQL handoff agent: an MQL goes to a sales rep within minutes, and sales says what it was.

1. **Propose** (:mod:`.proposals`, the leads stage-changed reaction): one ``mql_handoff``
   action per MQL move, in the move's transaction, with the rep :mod:`.routing` chose.
2. **Route** (:mod:`.routing`): the account's owner, or round robin in the contact's
   territory, or its manager; nobody is a blocking finding until a territory is saved
   (:func:`.services.territory_save` re-routes).
3. **Execute** (:mod:`.execution`, the ``mql_handoff`` executor): the handoff, its SLA timer,
   an in-app notification and an email (:mod:`.emails`; subject and body are templates).
4. **Escalate** (:mod:`.escalation`, beat): untouched past the deadline → the next rep, then
   the manager.
5. **Feedback** (:mod:`.services`): touch, accept (→ SQL), reject (→ recycled, with a reason);
   :mod:`.selectors` has the report. :mod:`.api` and :mod:`.admin` are thin over them.

The agent's key and kind are in :mod:`.agent`; its models in :mod:`como.agents.models.handoff`.
"""
