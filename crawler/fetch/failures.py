"""Names of download failures by category, and the line each category prints. Pure: matched by
class name, so this module needs neither Twisted nor Scrapy, and both spellings (Scrapy 2.19
wraps Twisted's) count."""

from __future__ import annotations

FAILURE_CATEGORIES: dict[str, frozenset[str]] = {
    "dns": frozenset({"CannotResolveHostError", "DNSLookupError"}),
    "connection": frozenset(
        {
            "DownloadConnectionRefusedError",
            "ConnectionRefusedError",
            "ConnectError",
            "NoRouteError",
            "ConnectionLost",
            "ConnectionDone",
            "DownloadFailedError",
            "ResponseFailed",
            "ResponseDataLossError",
            "PotentialDataLoss",
        }
    ),
    "timeout": frozenset({"DownloadTimeoutError", "TimeoutError", "TCPTimedOutError", "ResponseNeverReceived"}),
    # Over DOWNLOAD_MAXSIZE: Scrapy cancels the download.
    "too-large": frozenset({"DownloadCancelledError", "CancelledError"}),
}
NETWORK_ERRORS: frozenset[str] = frozenset().union(*FAILURE_CATEGORIES.values())

# One line per failure, for stats and the run summary (crawler.fetch.errback fills it in).
FAILURE_TEXT: dict[str, str] = {
    "dns": "DNS lookup failed for {host} (no network, or the name does not resolve)",
    "connection": "connection to {host} failed ({detail})",
    "timeout": "no answer from {host} in time ({detail})",
    "tls": "TLS handshake with {host} failed ({detail})",
    "too-large": "the answer from {host} is larger than DOWNLOAD_MAXSIZE ({detail})",
    "other": "{name} while fetching from {host}: {detail}",
}


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
