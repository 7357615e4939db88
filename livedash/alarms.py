"""Warn and critical levels of the wall screen's figures: the one place that says when a
figure is an incident. Pure functions over a stats payload and the settings.

Each rule names a figure of the payload (its key path), how it is measured (a share of the
transactions received in the window, a count, a floor, an age) and its two levels from
`.env` (LIVEDASH_ALARM_*: "warn,critical" or off). The page shows a level as the card's
colour plus a word, and the alarm strip lists the sentences, worst first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .config import Settings

LEVELS = ("ok", "warn", "critical")


@dataclass(frozen=True)
class Rule:
    """One figure's alarm: where it is, how it reads, which setting holds its levels."""

    figure: str  # key path in the stats payload
    setting: str  # Settings attribute holding (warn, critical) or None
    unit: str
    below: bool  # a floor: the level is reached when the value drops below it
    describe: Callable[[float], str]


def _share(status: str) -> Callable[[float], str]:
    return lambda v: f"{status} {v:.1f} % of received"


RULES = (
    Rule("ingress.bad_request", "alarm_bad_request_pct", "%", False, _share("BAD_REQUEST")),
    Rule("ingress.cd_unavailable", "alarm_cd_unavailable_pct", "%", False,
         _share("CD_UNAVAILABLE")),
    Rule("egress.ep_unavailable", "alarm_ep_unavailable_pct", "%", False,
         _share("EP_UNAVAILABLE")),
    Rule("cd.timeout", "alarm_timeout_pct", "%", False, _share("TIMEOUT")),
    Rule("cd.stuck", "alarm_stuck", "", False,
         lambda v: f"{int(v):,} transfer{'s' if v != 1 else ''} stuck"),
    Rule("unknown_status", "alarm_unknown_status", "", False,
         lambda v: f"{int(v):,} transfer{'s' if v != 1 else ''} with an empty status"),
    Rule("egress.tps", "alarm_tps_below", "/s", True, lambda v: f"egress at {v:.1f} tx/s"),
    Rule("ingress.last_ingress_s", "alarm_no_ingress_s", "s", False,
         lambda v: f"no ingress for {int(v):,} s"),
)


def _pick(payload: dict[str, Any], path: str) -> Any:
    node: Any = payload
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _value(rule: Rule, payload: dict[str, Any]) -> float | None:
    """The figure as the rule measures it (a share in percent for the `%` rules)."""
    raw = _pick(payload, rule.figure)
    if raw is None:
        return None
    if rule.unit == "%":
        total = payload.get("total") or 0
        return raw * 100 / total if total else 0.0
    return float(raw)


def _level(rule: Rule, value: float, levels: tuple[float, float]) -> int:
    warn, critical = levels
    if rule.below:
        return 2 if value < critical else 1 if value < warn else 0
    return 2 if value >= critical else 1 if value >= warn else 0


def _limit_text(rule: Rule, limit: float) -> str:
    number = f"{limit:g}"
    return f"{number} {rule.unit}".strip() if rule.unit in ("%", "s") else number + rule.unit


def evaluate(payload: dict[str, Any], settings: Settings) -> tuple[dict[str, str],
                                                                   list[dict[str, Any]]]:
    """(level of every configured figure, alarm sentences worst first) for a payload."""
    levels: dict[str, str] = {}
    alarms: list[tuple[int, dict[str, Any]]] = []
    for rule in RULES:
        limits = getattr(settings, rule.setting)
        value = _value(rule, payload)
        if limits is None or value is None:
            continue
        level = _level(rule, value, limits)
        levels[rule.figure] = LEVELS[level]
        if level:
            limit = limits[level - 1]
            relation = "below" if rule.below else "at"
            message = (f"{rule.describe(value)} ({LEVELS[level]} {relation} "
                       f"{_limit_text(rule, limit)})")
            alarms.append((level, {"figure": rule.figure, "level": LEVELS[level],
                                   "message": message}))
    alarms.sort(key=lambda pair: -pair[0])
    return levels, [alarm for _, alarm in alarms]


def thresholds(settings: Settings) -> dict[str, dict[str, Any]]:
    """The levels for the page's config block (a figure that is off is left out)."""
    table = {}
    for rule in RULES:
        limits = getattr(settings, rule.setting)
        if limits is not None:
            table[rule.figure] = {"warn": limits[0], "critical": limits[1], "unit": rule.unit,
                                  "below": rule.below}
    return table
