"""API routes of B2B accounts, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from .api import AccountCommitteeViewSet, AccountLinkRunViewSet, ContactCommitteeRoleViewSet

router = SimpleRouter(trailing_slash=False)
router.register("accounts", AccountCommitteeViewSet, basename="account-committee")
router.register("contacts", ContactCommitteeRoleViewSet, basename="contact-committee-role")
router.register("account-link-runs", AccountLinkRunViewSet, basename="account-link-run")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
