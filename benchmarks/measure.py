"""Run a command and print, as JSON, its wall time, CPU time and peak RSS (its own and its
children's). A separate process, so each measurement sees only its own children."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> None:
    started = time.perf_counter()
    result = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "returncode": result.returncode,
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "max_rss_mb": usage.ru_maxrss / 1024,
                "stderr_tail": result.stderr[-2000:],
            }
        )
    )


if __name__ == "__main__":
    main()
