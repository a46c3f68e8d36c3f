from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "como.ingest"
    label = "ingest"
    verbose_name = "Ingestion"
