"""The one strict number rule (livedash/numbers.py) and every route that reads a number with it."""

from __future__ import annotations

from typing import Any

import pytest

from livedash.numbers import NumberError, parse_number

# Text that str.isdigit() (or int()/float()) accepts but that is no ASCII number.
NOT_NUMBERS = ["\u00b2", "\u2460", "\u0661\u0660", "--10", "1_0", "nan", "inf", "1e3", "+10",
               "", " ", "10.5", "\uff11\uff10", "9" * 40]


@pytest.mark.parametrize("raw", NOT_NUMBERS)
def test_only_ascii_digits_make_an_integer(raw: str) -> None:
    with pytest.raises(NumberError, match="must be a whole number"):
        parse_number(raw, int, -100, 100)


@pytest.mark.parametrize(("raw", "kind", "value"), [
    ("10", int, 10), (" -3 ", int, -3), (7, int, 7), ("2.5", float, 2.5), (".5", float, 0.5),
    ("3", float, 3.0), ("-0.25", float, -0.25)])
def test_plain_numbers_parse(raw: Any, kind: type, value: float) -> None:
    assert parse_number(raw, kind, -100, 100) == value


@pytest.mark.parametrize("raw", [True, None, [1], "nan", "1e3", "\u0661.5"])
def test_decimals_are_ascii_too(raw: Any) -> None:
    with pytest.raises(NumberError):
        parse_number(raw, float, -100, 100)


def test_bounds_are_inclusive_and_named() -> None:
    assert parse_number("65535", int, 1, 65535) == 65535
    with pytest.raises(NumberError, match="must be between 1 and 65535"):
        parse_number("65536", int, 1, 65535)


ROUTE_INPUTS = ["%C2%B2", "%E2%91%A0", "%D9%A1%D9%A0", "--10"]  # ², ①, Arabic-Indic 10, --10


@pytest.mark.parametrize("raw", ROUTE_INPUTS)
@pytest.mark.parametrize(("path", "name"), [
    ("/api/stats", "window"), ("/api/transactions", "limit")])
def test_api_refuses_non_ascii_digits_with_400(client: Any, path: str, name: str,
                                               raw: str) -> None:
    response = client.get(f"{path}?{name}={raw}")
    assert response.status_code == 400
    assert name in response.get_json()["error"]


@pytest.mark.parametrize("raw", ROUTE_INPUTS)
@pytest.mark.parametrize("name", ["window", "refresh", "limit"])
def test_dashboard_page_takes_the_default_for_non_ascii_digits(client: Any, name: str,
                                                               raw: str) -> None:
    # the page replaces a bad value by its default (tests/test_dashboard_page.py), never a 500
    response = client.get(f"/?{name}={raw}")
    assert response.status_code == 200
    assert f'"{name}": ' in response.get_data(as_text=True)


@pytest.mark.parametrize("raw", ["\u00b2", "\u2460", "\u0661\u0660", "--10"])
@pytest.mark.parametrize("name", ["window", "refresh", "limit"])
def test_subscribe_refuses_non_ascii_digits(socket_client: Any, name: str, raw: str) -> None:
    ack = socket_client.emit("subscribe", {name: raw}, callback=True)
    assert ack["ok"] is False and name in ack["error"]
