from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "como.ingest"
    label = "ingest"
    verbose_name = "Ingestion"

    def ready(self) -> None:
        from como.channels.reactions import register_message_reported

        from .tracking import message_reported

        register_message_reported(message_reported)
