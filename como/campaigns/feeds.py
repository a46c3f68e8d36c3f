"""The generic ``catalog`` feed source: the workspace's :class:`CatalogItem` rows in the field
names of Google Merchant Center's product data specification, which Meta's catalogs accept too
(id, title, description, link, image_link, availability, condition, price, brand)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection

from como.workspaces.models import Workspace

from .models import CatalogItem

KEY = "catalog"
CORE_COLUMNS = (
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "availability",
    "condition",
    "price",
    "brand",
)
#: Rows fetched per round trip while streaming.
CHUNK = 2_000


class CatalogFeedSource:
    title = "Product catalog"

    def columns(self, workspace: Workspace) -> Sequence[str]:
        """The core fields, then every extra attribute any item carries (sorted)."""
        table = connection.ops.quote_name(CatalogItem._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT jsonb_object_keys(attributes) FROM {table} "  # noqa: S608 (our table name)
                "WHERE workspace_id = %s AND jsonb_typeof(attributes) = 'object'",
                [workspace.pk],
            )
            extra = sorted(row[0] for row in cursor.fetchall() if row[0] not in CORE_COLUMNS)
        return (*CORE_COLUMNS, *extra)

    def rows(self, workspace: Workspace) -> Iterator[dict[str, Any]]:
        items = CatalogItem.objects.filter(workspace=workspace).order_by("item_id")
        for item in items.iterator(chunk_size=CHUNK):
            extra = item.attributes if isinstance(item.attributes, dict) else {}
            yield {
                "id": item.item_id,
                "title": item.title,
                "description": item.description,
                "link": item.url,
                "image_link": item.image_url,
                "availability": item.availability,
                "condition": item.condition,
                "price": f"{item.price:.2f} {item.currency}",
                "brand": item.brand,
                **{k: v for k, v in extra.items() if k not in CORE_COLUMNS},
            }


source = CatalogFeedSource()
