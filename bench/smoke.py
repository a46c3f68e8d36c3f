"""``--smoke``: every benchmark at a size that runs in seconds, so none can rot unnoticed.

``make test`` runs each script with ``--smoke`` (tests/test_bench_smoke.py) and fails when one
no longer runs against the code or stops printing its figures; at that size the figures say
nothing about speed. ``make bench`` runs the full sizes.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any


def parse_arguments(
    parser: argparse.ArgumentParser, smoke: Mapping[str, Any]
) -> argparse.Namespace:
    """Parse with ``--smoke`` added, whose sizes replace the defaults (explicit options win)."""
    sizes = " ".join(f"--{name.replace('_', '-')} {value}" for name, value in smoke.items())
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"a run of seconds that proves the benchmark works, not how fast ({sizes})",
    )
    if parser.parse_known_args()[0].smoke:
        parser.set_defaults(**smoke)
        print(f"smoke run ({sizes}): the figures below prove it runs, not how fast")
    return parser.parse_args()
