"""The vertical's models, for Django: they live in the package of the part that owns them."""

from .intent.models import IntentSignal, IntentWebhook

__all__ = ["IntentSignal", "IntentWebhook"]
