"""Fake but realistic transfers for demos, benchmarks and screenshots (see docs/traffic.md).

One module per job: `model` draws the transfers (shared by both commands, so seeded history
and live traffic look alike), `seeder` bulk-loads history (`livedash seed`), `simulator`
writes live traffic (`livedash simulate`), `commands` holds their options and safety checks.
The names below are the package's public face (tests, benchmarks, scripts).
"""

from __future__ import annotations

from .commands import connect, parse_mix, seed_command, simulate_command
from .model import MARKER, MARKER_END, Mix, Profile, TrafficModel, Transfer, new_ids
from .seeder import seed, seed_batches
from .simulator import Simulator

__all__ = ["MARKER", "MARKER_END", "Mix", "Profile", "Simulator", "TrafficModel", "Transfer",
           "connect", "new_ids", "parse_mix", "seed", "seed_batches", "seed_command",
           "simulate_command"]
