"""Benchmark viewers: Socket.IO dashboards and naive pollers, in this process or in helpers.

Design decisions:
- A viewer records a sighting (viewer index, transaction id, time.time()) for every probe row
  (file name `common.PROBE_PREFIX...`) it receives; the run joins sightings with the probes'
  commit times afterwards, so helper processes need not know which ids are probes.
- Socket.IO viewers can live in helper processes (`ViewerProcesses`): one asyncio process
  decoding every viewer's messages is itself a queue, and at 1000 viewers its backlog after a
  tick would be counted as the app's latency. Viewer 0 stays in the parent and counts ticks.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import time
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
import socketio
from common import PROBE_PREFIX

CONNECT_CONCURRENCY = 25
Sighting = tuple[int, str, float]


def client_session(viewers: int) -> aiohttp.ClientSession:
    """One HTTP session for all viewers of a process, with a connection each."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=viewers + 10),
                                 timeout=aiohttp.ClientTimeout(total=60))


def note_probes(index: int, rows: Any, sightings: list[Sighting]) -> None:
    """Record the probe rows among `rows` as seen now by viewer `index`."""
    now = time.time()
    for row in rows:
        if row["file_name"].startswith(PROBE_PREFIX):
            sightings.append((index, row["transaction_id"], now))


class SocketViewer:
    """One dashboard over Socket.IO: counts ticks, records probes arriving in `added`."""

    def __init__(self, index: int, view: dict[str, Any], sightings: list[Sighting]) -> None:
        self.index, self.view, self.sightings = index, view, sightings
        self.ticks = 0
        self.disconnects = 0
        self.sio: socketio.AsyncClient | None = None

    async def connect(self, session: aiohttp.ClientSession, url: str) -> None:
        """Connect over websocket only and subscribe; raise when the server refuses."""
        self.sio = socketio.AsyncClient(reconnection=False, http_session=session,
                                        handle_sigint=False)
        self.sio.on("stats", self._on_stats)
        self.sio.on("transactions", self._on_rows)
        self.sio.on("disconnect", self._on_disconnect)
        await self.sio.connect(url, transports=["websocket"], wait_timeout=60)
        ack = await self.sio.call("subscribe", self.view, timeout=60)
        if not ack or not ack.get("ok"):
            raise RuntimeError(f"subscribe refused: {ack}")

    def _on_stats(self, payload: dict[str, Any]) -> None:
        self.ticks += 1

    def _on_rows(self, payload: dict[str, Any]) -> None:
        note_probes(self.index, payload.get("added", ()), self.sightings)

    def _on_disconnect(self, reason: Any = None) -> None:
        self.disconnects += 1

    async def close(self) -> None:
        """Disconnect quietly."""
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()


async def connect_all(viewers: list[SocketViewer], session: aiohttp.ClientSession,
                      url: str) -> None:
    """Connect the viewers a few at a time (a burst of 1000 handshakes is not the point)."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(viewer: SocketViewer) -> None:
        async with gate:
            await viewer.connect(session, url)

    await asyncio.gather(*(one(v) for v in viewers))


async def first_ticks(viewer: SocketViewer, ticks: int = 2, timeout: float = 180) -> None:
    """Wait out the poller's first fill (it reads the whole hour once), however long it takes."""
    deadline = time.monotonic() + timeout
    while viewer.ticks < ticks:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {ticks} ticks within {timeout:g} s")
        await asyncio.sleep(0.2)


class PollingViewer:
    """One naive dashboard: GET /api/stats and /api/transactions every refresh."""

    def __init__(self, index: int, view: dict[str, Any], sightings: list[Sighting]) -> None:
        self.index, self.view, self.sightings = index, view, sightings
        self.pairs: list[tuple[float, float, bool]] = []  # (finished, seconds, both 200)

    async def run(self, session: aiohttp.ClientSession, url: str, stop: asyncio.Event) -> None:
        """Poll until `stop`, starting at a random phase like tabs opened at random times;
        the next pair starts a refresh after the last began, or at once when it was slower."""
        refresh = self.view["refresh"]
        stats_url = f"{url}/api/stats?window={self.view['window']}"
        rows_url = (f"{url}/api/transactions?limit={self.view['limit']}"
                    f"&username={self.view['username']}&status={self.view['status']}")
        await asyncio.sleep(random.uniform(0, refresh))
        while not stop.is_set():
            started = time.monotonic()
            ok = await self._poll(session, stats_url, rows_url)
            finished = time.monotonic()
            self.pairs.append((finished, finished - started, ok))
            await asyncio.sleep(max(0.0, started + refresh - finished))

    async def _poll(self, session: aiohttp.ClientSession, stats_url: str, rows_url: str) -> bool:
        """One request pair, both at once as a browser sends them; True when both were 200."""
        try:
            statuses = await asyncio.gather(self._get(session, stats_url, False),
                                            self._get(session, rows_url, True))
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False
        return statuses == [200, 200]

    async def _get(self, session: aiohttp.ClientSession, url: str, rows: bool) -> int:
        async with session.get(url) as answer:
            body = await answer.read()
            if rows and answer.status == 200:
                note_probes(self.index, json.loads(body)["rows"], self.sightings)
            return answer.status


# -- Socket.IO viewers in helper processes -----------------------------------------------------

def _helper(url: str, assigned: list[tuple[int, dict[str, Any]]], pipe: Connection) -> None:
    """A helper process: connect its viewers, report ready, hold until told, send sightings."""
    asyncio.run(_helper_main(url, assigned, pipe))


async def _helper_main(url: str, assigned: list[tuple[int, dict[str, Any]]],
                       pipe: Connection) -> None:
    sightings: list[Sighting] = []
    viewers = [SocketViewer(i, view, sightings) for i, view in assigned]
    async with client_session(len(viewers)) as session:
        try:
            await connect_all(viewers, session, url)
        except Exception as exc:  # tell the parent instead of hanging it
            pipe.send(("failed", repr(exc)))
            return
        pipe.send(("ready", None))
        await asyncio.to_thread(pipe.recv)  # "stop"
        disconnects = sum(v.disconnects for v in viewers)
        await asyncio.gather(*(v.close() for v in viewers), return_exceptions=True)
    pipe.send(("done", {"sightings": sightings, "disconnects": disconnects}))


class ViewerProcesses:
    """Socket.IO viewers spread over helper processes (spawned, each its own event loop)."""

    def __init__(self, url: str, assigned: list[tuple[int, dict[str, Any]]],
                 processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs: list[Any] = []
        for k in range(processes):
            share = assigned[k::processes]
            if not share:
                continue
            mine, theirs = context.Pipe()
            proc = context.Process(target=_helper, args=(url, share, theirs), daemon=True)
            proc.start()
            self.pipes.append(mine)
            self.procs.append(proc)

    @property
    def pids(self) -> list[int]:
        """The helper processes' ids (for their CPU time)."""
        return [p.pid for p in self.procs]

    async def ready(self) -> None:
        """Wait until every helper has connected and subscribed its viewers."""
        for pipe in self.pipes:
            kind, detail = await asyncio.to_thread(pipe.recv)
            if kind != "ready":
                raise RuntimeError(f"a viewer process failed: {detail}")

    async def finish(self) -> tuple[list[Sighting], int]:
        """Stop every helper; their sightings and disconnect counts."""
        for pipe in self.pipes:
            pipe.send("stop")
        sightings: list[Sighting] = []
        disconnects = 0
        for pipe in self.pipes:
            _, result = await asyncio.to_thread(pipe.recv)
            sightings += result["sightings"]
            disconnects += result["disconnects"]
        for proc in self.procs:
            proc.join(10)
        return sightings, disconnects

    def kill(self) -> None:
        """Make sure no helper outlives the level."""
        for proc in self.procs:
            if proc.is_alive():
                proc.kill()
