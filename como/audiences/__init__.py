"""Saved audiences: a workspace's named rule over its contacts, compiled to one query."""
