"""The run failure sensor: a critical Slack alert for every failed run, one per open incident.

A run that failed because a blocking asset check failed is alerted as that check's failure
(incident ``check:<asset>:<check>``, the same one the check alert sensor opens), so the two
sensors seeing the same failure send one message. Any other failure opens ``run:<job>``,
which the run summary sensor resolves on the job's next successful run.
"""

from collections.abc import Sequence

from dagster import DefaultSensorStatus, RunFailureSensorContext, SensorDefinition, run_failure_sensor

from shop_analytics.alerts.messages import FailedStep, check_failed, run_failure
from shop_analytics.resources.alerts import SlackAlertsResource
from shop_analytics.sensors.alert_events import check_failure, failed_steps, is_blocking_error, run_check_evaluations


def build_run_failure_alert_sensor(
    name: str = "run_failure_alert_sensor",
    monitored_jobs: Sequence | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING,
) -> SensorDefinition:
    """Alert on failed runs of ``monitored_jobs`` (every job of the code location when None)."""

    @run_failure_sensor(
        name=name,
        monitored_jobs=monitored_jobs,
        default_status=default_status,
        description="Critical Slack alert for each failed run (or the blocking check that failed it).",
    )
    def _run_failure_alert(context: RunFailureSensorContext, alerts: SlackAlertsResource) -> None:
        run = context.dagster_run
        notifier, links = alerts.notifier(context.log), alerts.links()
        blocked = [e for e in run_check_evaluations(context.instance, run.run_id) if is_blocking_error(e)]
        if blocked:
            for evaluation in blocked:
                notifier.open(check_failed(check_failure(evaluation, run.run_id), links))
            return
        steps = failed_steps(context.instance, run.run_id)
        if not steps and context.failure_event.message:
            steps = [FailedStep(step="run", error=context.failure_event.message)]
        notifier.open(run_failure(run.job_name, run.run_id, steps, links))

    return _run_failure_alert
