"""The cyclic garbage collector's settings for a long-lived process (web worker, Celery
worker, ingest drain, the benches that stand in for them), applied once its startup is loaded.

Two settings, both about work the collector does without finding anything:

- :func:`gc.freeze`: what startup loaded (settings, URL configuration, models, views) lives
  as long as the process, so the full passes need not walk it again and again (measured:
  ~20 % more events/s through the bulk ingest API).
- a first-generation threshold of 10,000 allocations instead of 700: a batch of 1,000 events
  holds tens of thousands of young containers (parsed and validated events, records, score
  states) alive for the whole request, so at 700 the collector ran ≈ 30 times a batch,
  promoted them and then walked them again in the older generations' passes: ≈ 3.5 µs of
  CPU an event, a tenth of the Python the ingest path spends; at 10,000 ≈ 1 µs. The garbage
  it looks for (reference cycles) is rare here, and 10,000 containers is a few MB at most.
"""

from __future__ import annotations

import gc

#: Allocations (minus deallocations) of container objects between first-generation passes.
YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Freeze what is loaded and raise the young generation's threshold (older ones kept)."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
