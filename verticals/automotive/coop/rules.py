"""A program's creative rules as the plain data the compliance check reads (``Draft.coop``).

The check never touches the database: :func:`program_rules` turns a program into this shape
once, and the API's lint accepts the same shape inline."""

from __future__ import annotations

from typing import Any

from .models import CoopProgram


def program_rules(program: CoopProgram) -> dict[str, Any]:
    return {
        "key": program.key,
        "name": program.name,
        "oem": program.oem,
        "brands": list(program.brands),
        "eligible_channels": list(program.eligible_channels),
        "required_disclaimers": {
            channel: list(texts) for channel, texts in (program.required_disclaimers or {}).items()
        },
        "prohibited_phrases": list(program.prohibited_phrases),
        "required_claims": list(program.required_claims),
        "forbidden_claims": list(program.forbidden_claims),
        "required_asset_ids": list(program.required_asset_ids),
        "preapproval_required": program.preapproval_required,
    }
