"""The automotive inventory: rooftops, their vehicles, the feeds they come from and each import.

docs/architecture.md, "The floors": the vertical reaches como only through its public modules;
como finds the vertical's URLs and admin through the app registry, never by name.
"""
