"""Inventory ads: per-vehicle creative, the ads each vehicle has live on each channel, the
merchandising rules, the inventory-ads agent and its executors, and the catalog feeds."""
