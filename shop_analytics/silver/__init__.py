"""Silver: typed, validated, de-duplicated events from bronze, plus derived tables."""
