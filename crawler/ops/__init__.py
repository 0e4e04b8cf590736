"""The operator's surface: the congdoan command, run reports and status, log filters and the
Spidermon monitors."""
