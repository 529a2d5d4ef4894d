"""Peak resident memory of this process.

Not getrusage's ru_maxrss: on Linux a process started by another one
(subprocess uses vfork + exec) inherits its parent's peak there, so a small
child of a big parent reports the parent's size. VmHWM is the high-water mark
of this process's own memory, started afresh at exec."""

from pathlib import Path


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")
