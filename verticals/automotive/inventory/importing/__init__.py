"""Importing a feed into a rooftop: parse → validate → stage with COPY → set-based diff → apply.

The entry point is :func:`verticals.automotive.inventory.importing.services.inventory_import`.
"""
