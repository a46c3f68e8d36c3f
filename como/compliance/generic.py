"""The generic checks: TCPA, CAN-SPAM, GDPR, CASL, CCPA. Each registers on import."""
