"""The parts catalog's admin list: items with their fitment, searchable and editable (the CSV
import, ``manage.py import_parts``, writes the same rows)."""

from __future__ import annotations

from django.contrib import admin

from como.workspaces.admin_base import WorkspaceScopedAdmin

from .models import PartsItem


@admin.register(PartsItem)
class PartsItemAdmin(WorkspaceScopedAdmin):
    list_display = [
        "sku",
        "name",
        "category",
        "price",
        "make",
        "model",
        "year_from",
        "year_to",
        "active",
    ]
    list_filter = ["workspace", "make", "category", "active"]
    search_fields = ["=sku", "name", "make", "model"]
    fields = [
        "workspace",
        "sku",
        "name",
        "category",
        "price",
        "url",
        "make",
        "model",
        "year_from",
        "year_to",
        "active",
    ]
