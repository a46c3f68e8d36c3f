"""API routes of intent data, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .api import AccountIntentViewSet, IntentSignalViewSet
from .webhook import IntentWebhookViewSet

router = SimpleRouter(trailing_slash=False)
router.register("intent/signals", IntentSignalViewSet, basename="intent-signal")

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "accounts/<int:pk>/intent",
        AccountIntentViewSet.as_view({"get": "retrieve"}),
        name="account-intent",
    ),
    path(
        "intent/webhooks/<int:pk>/deliveries",
        IntentWebhookViewSet.as_view({"post": "create"}),
        name="intent-webhook-deliveries",
    ),
    *router.urls,
]
