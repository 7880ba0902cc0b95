"""One exception type for everything the platform cannot do, phrased for a person."""


class PlatformError(RuntimeError):
    """A setting or the machine is not as the platform needs it.

    The message is one line that says what is wrong and what to do; the CLI prints it
    without a traceback.
    """
