"""The ledger is append-only in the database too, not only in ``ConsentRecord.save``.

A trigger refuses every UPDATE of ``consent_consentrecord`` (so ``queryset.update()``, raw SQL
and other programs are refused as well), with one exception: forgetting who recorded an entry
(``recorded_by_id`` set to NULL and nothing else changed), which is what ``on_delete=SET_NULL``
does when a staff user is deleted. DELETE stays allowed: erasing a contact (GDPR art. 17)
cascades to its entries, and deleting a workspace to all of them.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION consent_ledger_refuse_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.recorded_by_id IS NULL
       AND to_jsonb(NEW) - 'recorded_by_id' = to_jsonb(OLD) - 'recorded_by_id' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the consent ledger is append-only: record a new entry instead (id %)', OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER consent_ledger_append_only
    BEFORE UPDATE ON consent_consentrecord
    FOR EACH ROW EXECUTE FUNCTION consent_ledger_refuse_update();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS consent_ledger_append_only ON consent_consentrecord;
DROP FUNCTION IF EXISTS consent_ledger_refuse_update();
"""


class Migration(migrations.Migration):
    dependencies = [("consent", "0002_erasure")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
