"""The row model of the fake traffic: who sends what, how big, through which servers, how it ends.

Shared by `livedash seed` (seeder.py) and `livedash simulate` (simulator.py), so seeded history
and live traffic look alike; see docs/traffic.md.

Design decisions:
- Usernames come from a pool with Zipf-like popularity (weight 1/rank^1.1: a few busy users, a
  long tail); lognormal file sizes (median 2 MB, sigma 2.3: bytes to tens of GB); transit = a
  lognormal set-up latency + size / a lognormal throughput; outcomes drawn from a mix (default
  2% BAD_REQUEST, 1% CD_UNAVAILABLE, 3% EP_UNAVAILABLE, 1% TIMEOUT, rest COMPLETE), and a
  transfer whose transit would reach the timeout becomes TIMEOUT (big files time out).
- Ownership: every generated transaction_id is a version-4-shaped UUID whose first group is
  `5151ed00` (MARKER). "Rows we did not write" is then a range check on the primary key
  (`transaction_id < MARKER OR transaction_id >= MARKER_END`, LIMIT-capped): a few index dives
  on any table size. A foreign id that happens to begin with 5151ed00 (1 in 2^32 for random
  UUIDs) would pass for ours; a marker in username or file_name would collide far more easily
  and need a scan.
- The random part of an id comes from os.urandom, never from --seed: --seed repeats the
  content, and a second run with the same seed must not collide on the primary key. Live ids
  are otherwise random, like the version-4 UUIDs a real pipeline sends; seed ids are
  `marker-counter-run tag` (see `seed_ids`), which cuts the server's CPU per row by a third
  (figures in docs/traffic.md, "Speed").
"""

from __future__ import annotations

import bisect
import math
import os
import random
from dataclasses import dataclass, field
from itertools import accumulate
from typing import NamedTuple

MARKER = "5151ed00"
MARKER_END = "5151ed01"  # the smallest string above every id starting with MARKER
INGRESS_FAILURES = ("BAD_REQUEST", "CD_UNAVAILABLE")
OUTCOMES = ("BAD_REQUEST", "CD_UNAVAILABLE", "EP_UNAVAILABLE", "TIMEOUT", "COMPLETE")

_FIRST = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
          "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
          "xena", "yusuf", "zoe", "amir", "bea", "chen", "dana", "emeka", "farah", "goran", "hana",
          "ines", "jonas", "kofi", "lena", "mateo", "noor", "oskar", "priya", "quinn", "rosa")
_LAST = ("smith", "jones", "garcia", "muller", "rossi", "novak", "kim", "singh", "ali", "silva",
         "dubois", "jansen", "berg", "ivanova", "tanaka", "okafor", "haddad", "kowalski",
         "nguyen", "lopez", "schmidt", "moreau", "costa", "larsen", "wong", "bauer", "petrov",
         "reyes", "fischer", "santos")
_SERVICES = ("svc-backup", "etl-nightly", "scanner-gw", "sap-export", "ftp-bridge",
             "media-ingest", "ci-artifacts", "billing-batch", "dwh-loader", "log-shipper")
_STEMS = ("report", "invoice", "backup", "export", "scan", "ledger", "photo", "dataset",
          "archive", "log", "statement", "payroll", "manifest", "image", "dump", "contract")
# (upper size bound in bytes, extensions typical below it)
_EXTENSIONS = ((100_000, ("txt", "csv", "json", "xml")),
               (10_000_000, ("pdf", "xlsx", "docx", "jpg")),
               (1_000_000_000, ("zip", "tar.gz", "mp4", "parquet")),
               (math.inf, ("iso", "img", "bak", "tar")))
_EXT_BOUNDS = [bound for bound, _ in _EXTENSIONS]


@dataclass(frozen=True)
class Mix:
    """Share (0..1) of each non-COMPLETE outcome; COMPLETE takes the rest."""

    bad_request: float = 0.02
    cd_unavailable: float = 0.01
    ep_unavailable: float = 0.03
    timeout: float = 0.01

    def cumulative(self) -> list[float]:
        """Cumulative weights in OUTCOMES order, for `random.choices`."""
        shares = (self.bad_request, self.cd_unavailable, self.ep_unavailable, self.timeout)
        return list(accumulate([*shares, max(0.0, 1.0 - sum(shares))]))


@dataclass(frozen=True)
class Profile:
    """The knobs of the traffic model (command-line options)."""

    users: int = 200
    servers: int = 4
    mix: Mix = field(default_factory=Mix)
    timeout_s: float = 60.0
    latency_s: float = 1.0  # median set-up time of a transfer
    throughput_bps: float = 40e6  # median bytes per second once a transfer flows
    size_median: float = 2e6
    size_sigma: float = 2.3
    size_max: int = 50 * 10**9


class Transfer(NamedTuple):
    """One generated transfer with its planned outcome (`status`) and transit time."""

    transaction_id: str
    username: str
    file_name: str
    file_size: int
    ingress_server: str
    egress_server: str | None
    status: str
    transit_s: float


def new_ids(count: int) -> list[str]:
    """`count` fresh marker ids shaped like version-4 UUIDs (random part from os.urandom)."""
    raw = os.urandom(16 * count).hex()
    ids = []
    for i in range(0, 32 * count, 32):
        h = raw[i:i + 32]
        variant = "89ab"[int(h[16], 16) & 3]
        ids.append(f"{MARKER}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}")
    return ids


def seed_ids(run: str, first: int, count: int) -> list[str]:
    """Ids `first`.. of a seed run (`run`: 24 random hex digits): the marker, a 40-bit counter
    from a random base, then a random run tag. A run's ids follow each other in the primary key
    in ingress order, so InnoDB appends instead of splitting random pages, and neighbours differ
    early in the string, so the utf8mb4_unicode_ci comparisons stop early (the server's CPU per
    row, measured against other id shapes, is in docs/traffic.md)."""
    base = int(run[:9], 16)  # below 2**36: room for 2**40 - 2**36 rows after it
    ids = []
    for n in range(base + first, base + first + count):
        h = f"{n:010x}"
        ids.append(f"{MARKER}-{h[0:4]}-4{h[4:7]}-8{h[7:10]}-{run[12:24]}")
    return ids


def user_pool(count: int, rng: random.Random) -> list[str]:
    """`count` distinct usernames in popularity order (rank 0 busiest), shuffled by `rng`."""
    base = list(_SERVICES) + [f"{first}.{last}" for last in _LAST for first in _FIRST]
    rng.shuffle(base)
    return [base[k % len(base)] + (str(k // len(base)) if k >= len(base) else "")
            for k in range(count)]


def server_names(kind: str, count: int) -> list[str]:
    """`ingress-01`..`ingress-NN` (or egress-)."""
    return [f"{kind}-{n:02d}" for n in range(1, count + 1)]


class TrafficModel:
    """Draws transfers: who, what, how big, through which servers, how it ends and when."""

    def __init__(self, profile: Profile, seed: int | None = None) -> None:
        """Draw the user pool once (its order is the popularity rank) and precompute weights."""
        self.profile = profile
        self._rng = random.Random(seed)
        self._users = user_pool(profile.users, self._rng)
        weights = [1 / (rank + 1) ** 1.1 for rank in range(profile.users)]
        self._user_cw = list(accumulate(weights))
        self._mix_cw = profile.mix.cumulative()
        self._ingress = server_names("ingress", profile.servers)
        self._egress = server_names("egress", profile.servers)
        self._size_mu = math.log(profile.size_median)
        self._latency_mu = math.log(profile.latency_s)
        self._throughput_mu = math.log(profile.throughput_bps)

    def transfers(self, count: int, ids: list[str] | None = None) -> list[Transfer]:
        """`count` new transfers (batched draws: the seeder needs tens of thousands a second);
        random marker ids unless `ids` are given."""
        r = self._rng
        columns = zip(ids or new_ids(count),
                      r.choices(self._users, cum_weights=self._user_cw, k=count),
                      r.choices(OUTCOMES, cum_weights=self._mix_cw, k=count),
                      r.choices(self._ingress, k=count), r.choices(self._egress, k=count),
                      r.choices(_STEMS, k=count), strict=True)
        return [self._transfer(*values) for values in columns]

    def _transfer(self, tid: str, user: str, outcome: str, ingress: str, egress: str,
                  stem: str) -> Transfer:
        """One transfer: size and name, then when and how it ends."""
        r, p = self._rng, self.profile
        size = max(1, min(p.size_max, int(math.exp(r.gauss(self._size_mu, p.size_sigma)))))
        exts = _EXTENSIONS[bisect.bisect_left(_EXT_BOUNDS, size)][1]
        name = f"{stem}_{int(r.random() * 100_000):05d}.{exts[int(r.random() * len(exts))]}"
        if outcome in INGRESS_FAILURES:
            return Transfer(tid, user, name, size, ingress, None, outcome, 0.0)
        transit = math.exp(r.gauss(self._latency_mu, 0.6))
        if outcome == "COMPLETE":
            transit += size / math.exp(r.gauss(self._throughput_mu, 0.5))
        if outcome == "TIMEOUT" or transit >= p.timeout_s:
            return Transfer(tid, user, name, size, ingress, None, "TIMEOUT", p.timeout_s)
        return Transfer(tid, user, name, size, ingress, egress, outcome, transit)
