"""Lead scoring: the rule language (``rules``), continuous decay (``decay``) and the pure
engine that turns a contact, its account and its events into a score at any instant
(``engine``). The engine works on plain data so ingest, the API and the bench can all call
it; ``models``/``services`` keep each workspace's versioned scoring models, ``selectors`` turns
a stored contact into a score at an instant, ``api``/``admin`` expose both."""
