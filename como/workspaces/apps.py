from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "como.workspaces"
    label = "workspaces"
    verbose_name = "Workspaces"

    def ready(self) -> None:
        from . import checks, keycache  # noqa: F401  (system checks; key-change signals)
        from .serializer_fields import install

        install()
