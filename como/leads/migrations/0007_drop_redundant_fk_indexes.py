"""Drop the one-column foreign-key indexes a composite index already covers.

``contact.workspace_id`` leads ``contact_score_rank`` and the stage index; ``event.workspace_id``
leads ``event_unique_id`` and ``event_contact_timeline`` leads with ``contact_id``. Each dropped
index is one fewer to write per event stored and per score update (docs/architecture.md, "Hot
paths"). Only the indexes go: Django's ``AlterField`` would also drop and re-add (re-validate)
the foreign keys, a scan of every event for nothing.
"""

import django.db.models.deletion
from django.db import migrations, models

_INDEXES = [
    ("leads_contact", "workspace_id", "leads_contact_workspace_id_28e229e7"),
    ("leads_event", "contact_id", "leads_event_contact_id_65ad91ff"),
    ("leads_event", "workspace_id", "leads_event_workspace_id_0ec71364"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0006_idna_domains"),
        ("workspaces", "0002_api_key_name_message"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in _INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="workspaces.workspace",
                    ),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="leads.contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="workspaces.workspace",
                    ),
                ),
            ],
        )
    ]
