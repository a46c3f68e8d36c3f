"""Lead scoring: the rule language (``rules``), continuous decay (``decay``) and the pure
engine that turns a contact, its account and its events into a score at any instant
(``engine``). No models yet: the engine works on plain data so ingest, the API and the bench
can all call it."""
