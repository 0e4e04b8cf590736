"""Logging for operators: network failures and failed monitors are one line each, not a traceback."""

from __future__ import annotations

import logging

from crawler.fetch.failures import NETWORK_ERRORS


class QuietNetworkErrors(logging.Filter):
    """Drops the traceback (keeps the message) of log records about network failures.

    A site that is down or unreachable is an operational fact, not a bug; its traceback
    only hides the summary lines that matter.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            error: BaseException | None = record.exc_info[1]
            while error is not None:
                if type(error).__name__ in NETWORK_ERRORS:
                    record.exc_info = None
                    record.exc_text = None
                    break
                error = error.__cause__ or error.__context__
        return True


class QuietMonitorTracebacks(logging.Filter):
    """Spidermon logs each failed monitor as a unittest traceback; crawler.ops.monitors logs the
    failure itself in one line, so the traceback is left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("[Spidermon]") and "Traceback (most recent call last)" in message:
            record.msg = "[Spidermon] " + message.strip().splitlines()[-1].strip()
            record.args = ()
        return True


def quiet_network_tracebacks() -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(QuietNetworkErrors())
        handler.addFilter(QuietMonitorTracebacks())
