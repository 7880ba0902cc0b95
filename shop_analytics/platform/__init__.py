"""The embedded local platform: jars from Maven Central, a KRaft Kafka broker, a
Confluent-compatible schema registry, and the Spark/Iceberg settings that go with them.

Nothing here knows about the pipeline: it only starts, stops and describes services.
"""
