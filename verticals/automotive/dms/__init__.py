"""The dealer's DMS history: deals and repair orders imported from CSV exports into events
(``vehicle_purchased``, ``service_visit``) and vehicle ownership, through the ingest path."""
