"""The channels' public endpoints: providers' webhooks and the catalog feeds platforms pull."""

from django.urls import include, path

urlpatterns = [
    path("hooks/email/", include("como.channels.email.webhook")),
    path("hooks/sms/", include("como.channels.sms.webhook")),
    path("feeds/", include("como.channels.feeds")),
]
