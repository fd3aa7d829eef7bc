"""Where a saturation part's arrivals spent the machine: the CPU time of the web server's and the
worker's processes, of every PostgreSQL process, and of the load generator itself (this process),
read from /proc (Linux) before and after, per complete arrival; a process's children that ended
meanwhile are counted through it (the web server opens a PostgreSQL connection, and so a server
process, per request unless CONN_MAX_AGE keeps them). PostgreSQL's server is the machine's own,
so its figure is every database's on it: the run needs the machine to itself."""

import os
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
KINDS = ("web", "worker", "database", "load generator")


@dataclass(frozen=True)
class Reading:
    seconds: dict[str, float]


def _processes():
    """(command name, process group, CPU seconds) of every process still running, with its ended children's."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        # After the name: state, parent, process group, ... user and system time (the 14th and 15th
        # fields), then those of its children that ended (16th, 17th): PostgreSQL's server process
        # holds the time of every connection's process that has closed.
        fields = text.rsplit(")", 1)[1].split()
        yield name, int(fields[2]), sum(int(ticks) for ticks in fields[11:15]) / CLOCK_TICKS


def reading(*, web_group: int, worker_group: int) -> Reading:
    """The CPU seconds each kind of process has used so far. The web server and the worker are
    each a process group (loadtest starts each in its own session), their children included."""
    seconds = dict.fromkeys(KINDS, 0.0)
    for name, group, used in _processes():
        if group == web_group:
            seconds["web"] += used
        elif group == worker_group:
            seconds["worker"] += used
        elif name == "postgres":
            seconds["database"] += used
    own = os.times()
    seconds["load generator"] = own.user + own.system
    return Reading(seconds)


def per_arrival(before: Reading, after: Reading, arrivals: int) -> str:
    """Milliseconds of CPU a complete arrival, by kind of process, and their sum."""
    used = {kind: (after.seconds[kind] - before.seconds[kind]) * 1000 / max(arrivals, 1) for kind in KINDS}
    parts = ", ".join(f"{kind} {ms:.1f}" for kind, ms in used.items())
    return f"{parts}; in all {sum(used.values()):.1f} ms of CPU a complete arrival ({arrivals} complete)"
