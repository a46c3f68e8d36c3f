"""A row and the rows it references belong to the same workspace, held by the database.

Imports write vehicles and their history with set-based SQL, not through forms, so the rule
"a vehicle's rooftop is of the vehicle's workspace" cannot live in ``clean()`` alone: each
reference between inventory rows is also a composite foreign key on ``(id, workspace_id)``.
Deferred like Django's own foreign keys (checked at commit); a NULL reference is not checked.
"""

from django.db import migrations

P = "vertical_automotive_"
#: (table, columns, referenced table)
REFERENCES = [
    ("vehicle", "rooftop_id", "rooftop"),
    ("vehicle", "last_import_id", "inventoryimport"),
    ("vehiclechange", "vehicle_id", "vehicle"),
    ("vehiclechange", "inventory_import_id", "inventoryimport"),
    ("inventorysource", "rooftop_id", "rooftop"),
    ("inventoryimport", "rooftop_id", "rooftop"),
    ("inventoryimport", "source_id", "inventorysource"),
]
TARGETS = sorted({target for _, _, target in REFERENCES})

FORWARD = [
    *(
        f"ALTER TABLE {P}{t} ADD CONSTRAINT {t}_id_workspace UNIQUE (id, workspace_id)"
        for t in TARGETS
    ),
    *(
        f"ALTER TABLE {P}{table} ADD CONSTRAINT {table}_{column}_same_workspace "
        f"FOREIGN KEY ({column}, workspace_id) REFERENCES {P}{target} (id, workspace_id) "
        "DEFERRABLE INITIALLY DEFERRED"
        for table, column, target in REFERENCES
    ),
]
BACKWARD = [
    *(
        f"ALTER TABLE {P}{table} DROP CONSTRAINT {table}_{column}_same_workspace"
        for table, column, _ in REFERENCES
    ),
    *(f"ALTER TABLE {P}{t} DROP CONSTRAINT {t}_id_workspace" for t in TARGETS),
]


class Migration(migrations.Migration):
    dependencies = [("vertical_automotive", "0003_field_validators")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
