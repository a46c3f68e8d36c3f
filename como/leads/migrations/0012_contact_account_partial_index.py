"""A contact's account index only where the contact has one.

Every score update of a contact is a non-HOT update (the ranking index holds the score), so
it writes a new entry in each of the contact's indexes; the full ``account_id`` index took
one for every contact without an account too. Readers all ask ``account_id = x``, which the
partial index answers. Only the index changes: Django's ``AlterField`` would also drop and
re-validate the foreign key over the whole table, so the database side is spelled out.
"""

import django.db.models.deletion
from django.db import migrations, models

OLD_INDEX = "leads_contact_account_id_421aa9da"


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0011_event_lean"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{OLD_INDEX}"',
                    reverse_sql=f'CREATE INDEX "{OLD_INDEX}" ON "leads_contact" ("account_id")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="contact",
                    name="account",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="contacts",
                        to="leads.account",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(("account__isnull", False)),
                fields=["account"],
                name="contact_account",
            ),
        ),
    ]
