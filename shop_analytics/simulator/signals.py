"""Stop a run cleanly on Ctrl-C or SIGTERM: finish the current event, flush, summarise."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

log = logging.getLogger(__name__)


class StopFlag:
    def __init__(self) -> None:
        self.reason: str | None = None

    def __bool__(self) -> bool:
        return self.reason is not None

    def stop(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason


@contextmanager
def stop_on_signals(flag: StopFlag) -> Iterator[StopFlag]:
    """Turn SIGINT and SIGTERM into ``flag.stop``; a second Ctrl-C interrupts for real.

    Handlers can only be installed from the main thread; elsewhere (e.g. inside an
    orchestrator's worker thread) the flag is returned unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handle(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if flag and signum == signal.SIGINT:
            raise KeyboardInterrupt
        log.warning("%s received: stopping after flushing the producer", name)
        flag.stop(name)

    for sig in previous:
        signal.signal(sig, handle)
    try:
        yield flag
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
