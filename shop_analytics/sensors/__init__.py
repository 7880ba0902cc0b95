"""Sensors: the Kafka offsets sensor that triggers ingest, and alerting sensors."""
