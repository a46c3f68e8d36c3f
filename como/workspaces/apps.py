from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "como.workspaces"
    label = "workspaces"
    verbose_name = "Workspaces"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .serializer_fields import install

        install()
