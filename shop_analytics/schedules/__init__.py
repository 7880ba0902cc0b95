"""Materialization schedules and the retry policy of steps that touch services."""
