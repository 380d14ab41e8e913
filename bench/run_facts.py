"""What every bench prints first: how it was started and on what machine, so two figures can
be compared (or not). Imported by the bench scripts as a sibling module."""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
import sys
from pathlib import Path


def print_run_facts() -> None:
    """The command line, cores, Python and SQLite versions and the load on the machine."""
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))
    print(f"machine: {os.cpu_count()} cores ({platform.machine()}); Python "
          f"{platform.python_version()}; SQLite {sqlite3.sqlite_version}; load average {load}")



def machine_facts(steadier: str = "") -> str:
    """One line: platform, cores, Python, SQLite and the load (`steadier` names the figure
    that other work on the machine disturbs least)."""
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    hint = f"; {steadier} is the steadier one" if steadier else ""
    return (f"{platform.platform()}; {os.cpu_count()} CPUs; Python {platform.python_version()}; "
            f"SQLite {sqlite3.sqlite_version}; load average {load} (other work on the machine "
            f"slows every figure{hint})")


def cpu_s() -> float:
    """CPU seconds of this process so far, every thread (the store's thread included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def context_switches() -> int:
    """Times this process's threads gave up a core so far, by waiting (a lock, the GIL, a
    socket) or by being preempted."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_nvcsw + usage.ru_nivcsw
