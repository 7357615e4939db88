"""Bounded numbers from text: the one rule for settings, request values and command options.

Design decisions:
- ASCII digits only. `str.isdigit()` accepts '²', '①' and Arabic-Indic digits while `int()`
  refuses some of them and accepts others, and `float()` also takes 'nan', 'inf' and '1_0':
  a rule built on either lets text through one check and crashes the next. A regular
  expression over [0-9] says exactly what is a number here.
- One optional leading minus sign ('--10' is not a number), no plus sign, no exponent, no
  thousands separators; surrounding whitespace is ignored.
- At most `MAX_DIGITS` characters are converted, so a megabyte of digits costs nothing.
- `NumberError` says what is wrong without naming the value's name: each caller words its own
  message (a setting, a form field, a command option) around it.
"""

from __future__ import annotations

import re
from typing import TypeVar

MAX_DIGITS = 30
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

N = TypeVar("N", int, float)


class NumberError(ValueError):
    """Text that is not a number of the wanted kind, or one outside its bounds."""


def parse_number(raw: object, kind: type[N], low: N, high: N) -> N:
    """`raw` (text, or an int/float already typed) as a `kind` within [low, high]."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise NumberError(_wanted(kind))
    text = str(raw).strip() if isinstance(raw, str) else repr(raw)
    pattern = _INTEGER if kind is int else _DECIMAL
    if len(text) > MAX_DIGITS or not pattern.fullmatch(text):
        raise NumberError(_wanted(kind))
    value = kind(text)
    if not low <= value <= high:
        raise NumberError(f"must be between {low:g} and {high:g}")
    return value


def _wanted(kind: type) -> str:
    """The complaint for text that is no number of this kind."""
    return "must be a whole number" if kind is int else "must be a number"
