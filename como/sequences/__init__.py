"""Sequences: multi-step, multi-channel programs approved once per version and run per person
(docs/architecture.md, "Sequences")."""
