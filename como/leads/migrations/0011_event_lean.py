"""The events table sheds what ingest paid for at every commit and nothing reads.

- ``event_unique_id`` ``(workspace_id, event_id, occurred_at)``: the idempotency key is
  ``leads_eventkey`` (0010), claimed before each event is written; no query reads events by
  the sender's id through it.
- The foreign-key constraints to the contact and the workspace: their deferred per-row checks
  cost more than the insert's index writes. Django still cascades deletions; ingest holds the
  contacts (identity resolution, ``FOR KEY SHARE``) and the workspace (an advisory lock) it
  writes to, and deletions lock what they delete first (see ``como.leads.models.Event``).

On the partitioned parent each ``DROP CONSTRAINT`` also drops the partitions' clones. The
reverse adds them back (validating every row; it fails if an orphan was left meanwhile).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0010_event_keys"),
        ("workspaces", "0002_api_key_name_message"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="event",
            name="event_unique_id",
        ),
        migrations.AlterField(
            model_name="event",
            name="contact",
            field=models.ForeignKey(
                db_constraint=False,
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
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="workspaces.workspace",
            ),
        ),
    ]
