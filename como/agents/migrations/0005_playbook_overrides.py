"""The playbook stores only the settings its workspace chose; the rest follow its vertical.

Before this, every setting was a column and a never-touched setting held the column's default,
which nobody could tell from a chosen one. A column still at its old default is read as never
set (so it now follows the vertical's default); any other value is kept as the workspace's
choice. Reversible: going back writes the chosen values into the columns again.
"""

from decimal import Decimal

import django.core.serializers.json
from django.db import migrations, models

#: The columns and the defaults they had (a value equal to it was never chosen).
OLD_DEFAULTS = {
    "auto_approve_kinds": [],
    "two_approver_kinds": [],
    "two_approver_spend_above": None,
    "handoff_sla_minutes": 5,
    "agents": {},
    "handoff_routing": "",
}


def columns_to_overrides(apps, schema_editor):
    Playbook = apps.get_model("agents", "Playbook")
    for playbook in Playbook.objects.all().iterator():
        chosen = {}
        for name, default in OLD_DEFAULTS.items():
            value = getattr(playbook, name)
            if value is None or value == default:
                continue
            chosen[name] = str(value) if isinstance(value, Decimal) else value
        if chosen:
            playbook.overrides = chosen
            playbook.save(update_fields=["overrides"])


def overrides_to_columns(apps, schema_editor):
    Playbook = apps.get_model("agents", "Playbook")
    for playbook in Playbook.objects.exclude(overrides={}).iterator():
        for name in OLD_DEFAULTS:
            if name in playbook.overrides and playbook.overrides[name] is not None:
                setattr(playbook, name, playbook.overrides[name])
        playbook.save()


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0004_route_choices_action_scoring_model"),
    ]

    operations = [
        migrations.AddField(
            model_name="playbook",
            name="overrides",
            field=models.JSONField(
                blank=True,
                default=dict,
                encoder=django.core.serializers.json.DjangoJSONEncoder,
                help_text="The settings this workspace chose; the others come from its vertical.",
            ),
        ),
        migrations.RunPython(columns_to_overrides, overrides_to_columns),
        migrations.RemoveField(model_name="playbook", name="auto_approve_kinds"),
        migrations.RemoveField(model_name="playbook", name="two_approver_kinds"),
        migrations.RemoveField(model_name="playbook", name="two_approver_spend_above"),
        migrations.RemoveField(model_name="playbook", name="handoff_sla_minutes"),
        migrations.RemoveField(model_name="playbook", name="agents"),
        migrations.RemoveField(model_name="playbook", name="handoff_routing"),
    ]
