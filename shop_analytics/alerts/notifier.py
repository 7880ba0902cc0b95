"""Incidents and delivery together: what the sensors call to alert.

``open`` sends an incident's alert unless it is a repeat of one already sent; ``resolve``
sends the resolution of an open incident once; ``inform`` sends info-level messages, which
belong to no incident. A delivery failure is logged and never raised: alerting must not fail
the sensor (and with it the next evaluation).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import Enum

from shop_analytics.alerts.incidents import Incident, IncidentStore, Transition
from shop_analytics.alerts.model import Alert
from shop_analytics.alerts.slack import render
from shop_analytics.alerts.transport import DeliveryError, LogTransport, Transport

logger = logging.getLogger(__name__)


class Outcome(str, Enum):
    SENT = "sent"
    LOGGED = "logged"  # no Slack configured: written to the log instead
    SUPPRESSED = "suppressed"  # a repeat of an open incident
    NOTHING_OPEN = "nothing_open"  # a resolution with no open incident
    FAILED = "failed"  # Slack did not take it (logged)


class AlertNotifier:
    def __init__(
        self,
        transport: Transport,
        incidents: IncidentStore,
        clock: Callable[[], float] = time.time,
        log: logging.Logger | None = None,
    ) -> None:
        self.transport = transport
        self.incidents = incidents
        self.clock = clock
        self.log = log or logger

    def open(self, alert: Alert) -> Outcome:
        if alert.incident_key is None:
            raise ValueError(f"alert {alert.title!r} has no incident key: use inform() for info messages")
        transition = self.incidents.open(alert.incident_key, alert.level, alert.title, self.clock())
        if transition is Transition.REPEAT:
            self.log.info("Alert suppressed, incident %s already open: %s", alert.incident_key, alert.title)
            return Outcome.SUPPRESSED
        outcome = self._deliver(alert)
        if outcome is Outcome.FAILED:
            self.incidents.mark_undelivered(alert.incident_key)
        return outcome

    def resolve(self, key: str, resolution: Callable[[Incident], Alert]) -> Outcome:
        incident = self.incidents.resolve(key, self.clock())
        if incident is None:
            return Outcome.NOTHING_OPEN
        return self._deliver(resolution(incident))

    def inform(self, alert: Alert) -> Outcome:
        return self._deliver(alert)

    def _deliver(self, alert: Alert) -> Outcome:
        try:
            self.transport.send(render(alert))
        except DeliveryError as error:
            self.log.error("Alert not delivered through %s (%s): %s", self.transport.name, error, alert.title)
            return Outcome.FAILED
        if self.transport.name == LogTransport.name:
            return Outcome.LOGGED
        self.log.info("Alert sent through %s: [%s] %s", self.transport.name, alert.level.value, alert.title)
        return Outcome.SENT
