"""The contact's score state and activity instants move to a narrow one-row-per-contact
table (models.ContactScore): scoring a batch then rewrites narrow rows with two indexes, not
the wide contact row with all of its indexes (an update is never HOT: the ranking key moves).

Every existing contact's state is copied; from then on an AFTER INSERT trigger (per
statement, over the inserted rows) gives every new contact its row, whichever path inserts
it, and an AFTER DELETE trigger removes it with its contact, raw deletes included (no
foreign key: see the trigger). Reversible.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0012_contact_account_partial_index"),
        ("workspaces", "0002_api_key_name_message"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="contact",
            name="contact_score_rank",
        ),
        migrations.CreateModel(
            name="ContactScore",
            fields=[
                (
                    "contact",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        db_constraint=False,
                        related_name="score",
                        serialize=False,
                        to="leads.contact",
                    ),
                ),
                ("first_seen_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("last_seen_at", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "score_fit",
                    models.FloatField(
                        default=0, editable=False, help_text="Fit points (no decay)."
                    ),
                ),
                (
                    "score_intent",
                    models.FloatField(
                        default=0, editable=False, help_text="Intent points as of score_as_of."
                    ),
                ),
                (
                    "score_as_of",
                    models.DateTimeField(
                        blank=True,
                        editable=False,
                        help_text="When the stored intent was measured.",
                        null=True,
                    ),
                ),
                (
                    "score_model_version",
                    models.PositiveIntegerField(
                        blank=True,
                        editable=False,
                        help_text="The scoring model version used.",
                        null=True,
                    ),
                ),
                (
                    "score_intent_sign",
                    models.SmallIntegerField(
                        default=0,
                        editable=False,
                        help_text="Sign of the stored intent: 1, 0 or -1.",
                    ),
                ),
                (
                    "score_intent_key",
                    models.FloatField(
                        blank=True,
                        editable=False,
                        help_text="Decay-invariant ranking key of non-zero intent; null for zero.",
                        null=True,
                    ),
                ),
                (
                    "score_caps",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        editable=False,
                        help_text="Per capped rule, when it last counted (microseconds since the Unix epoch).",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="contactscore",
            name="workspace",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="workspaces.workspace",
            ),
        ),
        migrations.RunSQL(
            sql="""
                INSERT INTO leads_contactscore (
                    contact_id, workspace_id, first_seen_at, last_seen_at, score_fit,
                    score_intent, score_as_of, score_model_version, score_intent_sign,
                    score_intent_key, score_caps)
                SELECT id, workspace_id, first_seen_at, last_seen_at, score_fit, score_intent,
                       score_as_of, score_model_version, score_intent_sign, score_intent_key,
                       score_caps
                FROM leads_contact
            """,
            reverse_sql="""
                UPDATE leads_contact c
                SET first_seen_at = s.first_seen_at, last_seen_at = s.last_seen_at,
                    score_fit = s.score_fit, score_intent = s.score_intent,
                    score_as_of = s.score_as_of, score_model_version = s.score_model_version,
                    score_intent_sign = s.score_intent_sign,
                    score_intent_key = s.score_intent_key, score_caps = s.score_caps
                FROM leads_contactscore s WHERE s.contact_id = c.id
            """,
        ),
        migrations.AddIndex(
            model_name="contactscore",
            index=models.Index(
                fields=[
                    "workspace",
                    "score_fit",
                    "-score_intent_sign",
                    "-score_intent_key",
                    "-contact",
                ],
                name="contact_score_rank",
            ),
        ),
        # The database deletes a contact's score row with it, raw deletes (an identity merge's
        # visitors, benches) included, with one statement per deleting statement. A trigger,
        # not a foreign key: the key's deferred check (an SPI query and a row lock) would run
        # for every row inserted and again for every row scored in the transaction that
        # inserted it, i.e. twice for every contact an ingest batch creates.
        migrations.RunSQL(
            sql="""
                CREATE FUNCTION leads_contact_score_row_delete() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    DELETE FROM leads_contactscore s USING deleted d WHERE s.contact_id = d.id;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER contact_score_row_delete AFTER DELETE ON leads_contact
                    REFERENCING OLD TABLE AS deleted
                    FOR EACH STATEMENT EXECUTE FUNCTION leads_contact_score_row_delete();
            """,
            reverse_sql="""
                DROP TRIGGER contact_score_row_delete ON leads_contact;
                DROP FUNCTION leads_contact_score_row_delete();
            """,
        ),
        # Every contact has its score row from the statement that inserts it (the ranked list
        # lists every contact): one INSERT … SELECT per statement, however many rows it wrote.
        migrations.RunSQL(
            sql="""
                CREATE FUNCTION leads_contact_score_row() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO leads_contactscore (
                        contact_id, workspace_id, score_fit, score_intent, score_intent_sign,
                        score_caps)
                    SELECT id, workspace_id, 0, 0, 0, '{}'::jsonb FROM inserted;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER contact_score_row AFTER INSERT ON leads_contact
                    REFERENCING NEW TABLE AS inserted
                    FOR EACH STATEMENT EXECUTE FUNCTION leads_contact_score_row();
            """,
            reverse_sql="""
                DROP TRIGGER contact_score_row ON leads_contact;
                DROP FUNCTION leads_contact_score_row();
            """,
        ),
        migrations.RemoveField(
            model_name="contact",
            name="first_seen_at",
        ),
        migrations.RemoveField(
            model_name="contact",
            name="last_seen_at",
        ),
        migrations.RemoveField(
            model_name="contact",
            name="score_as_of",
        ),
        migrations.RemoveField(
            model_name="contact",
            name="score_caps",
        ),
        migrations.RemoveField(
            model_name="contact",
            name="score_fit",
        ),
        migrations.RemoveField(
            model_name="contact",
            name="score_intent",
        ),
        migrations.RemoveField(
            model_name="contact",
            name="score_intent_key",
        ),
        migrations.RemoveField(
            model_name="contact",
            name="score_intent_sign",
        ),
        migrations.RemoveField(
            model_name="contact",
            name="score_model_version",
        ),
    ]
