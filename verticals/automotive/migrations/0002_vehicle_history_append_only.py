"""A vehicle's history is append-only in the database too, not only in ``VehicleChange.save``.

As the consent ledger's trigger (como/consent/migrations/0003_ledger_append_only_trigger.py):
every UPDATE of a change row is refused, so ``queryset.update()`` and raw SQL are refused as
well, except forgetting a deleted import (``inventory_import_id`` set to NULL and nothing else
changed), which is what ``on_delete=SET_NULL`` does. DELETE stays allowed: deleting a
workspace deletes its vehicles and their history.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION vehicle_history_refuse_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.inventory_import_id IS NULL
       AND to_jsonb(NEW) - 'inventory_import_id' = to_jsonb(OLD) - 'inventory_import_id' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a vehicle''s history is append-only: record a new change instead (id %)',
        OLD.id USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER vehicle_history_append_only
    BEFORE UPDATE ON vertical_automotive_vehiclechange
    FOR EACH ROW EXECUTE FUNCTION vehicle_history_refuse_update();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS vehicle_history_append_only ON vertical_automotive_vehiclechange;
DROP FUNCTION IF EXISTS vehicle_history_refuse_update();
"""


class Migration(migrations.Migration):
    dependencies = [("vertical_automotive", "0001_inventory")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
