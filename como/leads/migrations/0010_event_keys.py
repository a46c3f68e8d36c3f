"""EventKey: one row per (workspace, sender's event id), the idempotency key across months.

Filled from the events already stored; an id stored twice at two instants (possible before
this table, by concurrent batches) keeps the first stored.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0009_account_score_state"),
        ("workspaces", "0002_api_key_name_message"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventKey",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "workspace_id",
                        "event_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("event_id", models.CharField(max_length=128)),
                ("occurred_at", models.DateTimeField()),
                (
                    "workspace",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="workspaces.workspace",
                    ),
                ),
            ],
        ),
        migrations.RunSQL(
            sql="""
            INSERT INTO leads_eventkey (workspace_id, event_id, occurred_at)
            SELECT DISTINCT ON (workspace_id, event_id) workspace_id, event_id, occurred_at
            FROM leads_event
            ORDER BY workspace_id, event_id, id
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
