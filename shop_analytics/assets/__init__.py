"""Asset definitions by layer: kafka topics (external), bronze, silver, gold."""
