"""`congdoan serve`'s processes: the readers' server (uvicorn, N workers on the public socket)
and the heavy lane's (one worker on a private Unix socket, at a lower CPU priority, so a
custom query or an export gets only the CPU that readers leave). This process watches both:
a signal stops both, the readers' end ends the lane, and a lane that dies is started again.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

logger = logging.getLogger(__name__)
LANE_NICENESS = 10  # CFS gives a nice-10 process about a tenth of a busy core's time
PR_SET_PDEATHSIG = 1
LANE_START_S = 30  # seconds the readers' server waits for the lane's to listen
RESTART_PAUSE_S, RESTART_PAUSE_MAX_S = 1.0, 60.0  # a lane that keeps dying is restarted less often

Command = tuple[list[str], dict[str, str]]


def _die_with_parent() -> None:
    """In the child, before exec: the kernel stops it if this process dies, even by SIGKILL."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _niced() -> None:
    _die_with_parent()
    os.nice(LANE_NICENESS)


def _start(command: Command, lower_priority: bool) -> subprocess.Popen:
    args, env = command
    return subprocess.Popen(args, env={**os.environ, **env}, preexec_fn=_niced if lower_priority else _die_with_parent)


def _stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for(socket: Path, process: subprocess.Popen, stopping: Callable[[], bool]) -> None:
    """Until the lane listens: readers' custom queries would otherwise meet a closed door."""
    deadline = time.monotonic() + LANE_START_S
    while not socket.exists() and process.poll() is None and time.monotonic() < deadline and not stopping():
        time.sleep(0.05)
    if not socket.exists():
        logger.warning("the heavy lane's server is not listening on %s yet; readers start anyway", socket)


def supervise(lane: Command, readers: Command, lane_socket: Path) -> int:
    """Run both until a signal or the readers' end; return the readers' exit status. The
    readers' server starts once the lane's listens on `lane_socket`."""
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    lane_process = _start(lane, lower_priority=True)
    _wait_for(lane_socket, lane_process, lambda: stopping)
    if stopping:
        _stop(lane_process)
        return 0
    reader_process = _start(readers, lower_priority=False)
    pause = RESTART_PAUSE_S
    try:
        while not stopping and reader_process.poll() is None:
            if lane_process.poll() is not None:  # started again, less often each time it fails
                logger.warning(
                    "the heavy lane's server exited (%s); starting it again in %.0f s", lane_process.returncode, pause
                )
                time.sleep(pause)
                pause = min(pause * 2, RESTART_PAUSE_MAX_S)
                lane_process = _start(lane, lower_priority=True)
            time.sleep(0.2)
    finally:
        _stop(reader_process, lane_process)
    return 0 if stopping else (reader_process.returncode or 0)
