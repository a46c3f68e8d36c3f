"""The approval inbox: every waiting action on one line, a detail pane with the creative as it
will appear and its history, decisions from the keyboard (docs/architecture.md, "The approval
inbox").

- :mod:`.channel_kinds`: the presenters (:mod:`como.agents.subjects`) of the channels' kinds
  and of the agents' own, registered from the agents app's ``ready()``;
- :mod:`.highlight`: the findings marked in the creative's text;
- :mod:`.rows`: what the list and the pane show (reads);
- :mod:`.decisions`: one decision or many through the services, an outcome per action;
- :mod:`.admin`: the page, on the scoped admin base.
"""
