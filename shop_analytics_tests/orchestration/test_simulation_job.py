"""The simulator launched as a Dagster job, as from the UI's launchpad, into the real broker."""

from shop_analytics.assets.simulation import simulate_shop_job
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics_tests.orchestration.helpers import platform_resources


def test_simulation_job_sends_events_and_reports_them(platform: PlatformSettings) -> None:
    resources = platform_resources(platform)
    result = simulate_shop_job.execute_in_process(
        run_config={"ops": {"simulate_shop": {"config": {"days": 0.5, "customers": 200, "products": 40, "topic_prefix": "jobtest."}}}},
        resources={"kafka": resources["kafka"], "schema_registry": resources["schema_registry"]},
    )
    assert result.success
    [materialization] = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    metadata = materialization.event_specific_data.metadata
    by_topic = metadata["events_by_topic"].value
    assert metadata["delivered"].value == metadata["produced"].value > 0
    assert metadata["failed"].value == 0
    # What the job says it sent is what the topics hold.
    kafka = resources["kafka"]
    for topic, count in by_topic.items():
        assert sum(kafka.end_offsets(topic).values()) == count, topic
    assert all(topic.startswith("jobtest.shop.") for topic in by_topic)
