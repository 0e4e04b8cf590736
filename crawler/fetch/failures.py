"""Names of download failures, by category. Pure: matched by class name, so this module
needs neither Twisted nor Scrapy, and both spellings (Scrapy 2.19 wraps Twisted's) count."""

from __future__ import annotations

FAILURE_CATEGORIES: dict[str, frozenset[str]] = {
    "dns": frozenset({"CannotResolveHostError", "DNSLookupError"}),
    "connection": frozenset({
        "DownloadConnectionRefusedError", "ConnectionRefusedError", "ConnectError", "NoRouteError",
        "ConnectionLost", "ConnectionDone", "DownloadFailedError", "ResponseFailed", "ResponseDataLossError",
        "PotentialDataLoss",
    }),
    "timeout": frozenset({"DownloadTimeoutError", "TimeoutError", "TCPTimedOutError", "ResponseNeverReceived"}),
    # Over DOWNLOAD_MAXSIZE: Scrapy cancels the download.
    "too-large": frozenset({"DownloadCancelledError", "CancelledError"}),
}
NETWORK_ERRORS: frozenset[str] = frozenset().union(*FAILURE_CATEGORIES.values())


def category_of(error: BaseException) -> str:
    """dns, connection, timeout, tls or other.

    >>> category_of(ConnectionRefusedError()), category_of(ValueError())
    ('connection', 'other')
    """
    name = type(error).__name__
    for category, names in FAILURE_CATEGORIES.items():
        if name in names:
            return category
    if type(error).__module__.startswith("OpenSSL") or "SSL" in name or "TLS" in name:
        return "tls"
    return "other"
