"""What every bench prints first: how it was started and on what machine, so two figures can
be compared (or not). Imported by the bench scripts as a sibling module."""

from __future__ import annotations

import os
import platform
import sqlite3
import sys
from pathlib import Path


def print_run_facts() -> None:
    """The command line, cores, Python and SQLite versions and the load on the machine."""
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))
    print(f"machine: {os.cpu_count()} cores ({platform.machine()}); Python "
          f"{platform.python_version()}; SQLite {sqlite3.sqlite_version}; load average {load}")

