"""The table's filters (issue 15) over the JSON API and the socket, on the real database:
several statuses, failures only, servers, the search, stuck transfers; each bad value a
400 naming it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sockets import subscribe, wait_event


def ids(client: Any, query: str) -> list[str]:
    response = client.get(f"/api/transactions?{query}")
    assert response.status_code == 200, response.get_json()
    return [r["transaction_id"] for r in response.get_json()["rows"]]


@pytest.fixture
def rows(add_row) -> dict[str, str]:
    made = {
        "timeout": add_row(offset_s=10, status="TIMEOUT", transit_s=None, file_name="big.iso"),
        "ep": add_row(offset_s=20, status="EP_UNAVAILABLE", egress_server="out-2"),
        "bad": add_row(offset_s=30, status="BAD_REQUEST", transit_s=None,
                       ingress_server="in-7", username="zoe"),
        "done": add_row(offset_s=40, status="COMPLETE", file_name="report-q3.pdf",
                        username="zoltan"),
        "stuck": add_row(offset_s=900, status="SUBMITTED", transit_s=None),
        "young": add_row(offset_s=5, status="SUBMITTED", transit_s=None),
    }
    return made


@pytest.mark.parametrize(("query", "expected"), [
    ("status=TIMEOUT,EP_UNAVAILABLE", ["timeout", "ep"]),
    ("status=ep_unavailable,%20timeout", ["timeout", "ep"]),
    ("status=failures", ["timeout", "ep", "bad"]),
    ("ingress_server=in-7", ["bad"]),
    ("egress_server=out-2", ["ep"]),
    ("q=report", ["done"]),  # file-name prefix
    ("q=zo", ["bad", "done"]),  # username prefix
    ("stuck=1", ["stuck"]),
    ("stuck=1&status=TIMEOUT", []),
])
def test_filters_over_the_api(client, rows, query, expected) -> None:
    assert ids(client, query) == [rows[name] for name in expected]


def test_search_finds_a_transaction_id_exactly_beyond_the_latest_rows(client, rows,
                                                                      add_row) -> None:
    for _ in range(60):
        add_row(offset_s=1)
    assert rows["stuck"] not in ids(client, "limit=50")
    assert ids(client, f"q={rows['stuck']}") == [rows["stuck"]]


@pytest.mark.parametrize(("query", "field"), [
    ("status=DONE", "status"), ("status=TIMEOUT,nope", "status"),
    ("ingress_server=" + "x" * 101, "ingress_server"), ("q=" + "y" * 256, "q"),
    ("stuck=maybe", "stuck"), ("egress_server=%01", "egress_server"),
])
def test_bad_filter_values_are_400s_naming_them(client, query, field) -> None:
    response = client.get(f"/api/transactions?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(field)


def test_filters_over_the_socket_with_the_canonical_view(socket_client, rows) -> None:
    ack = subscribe(socket_client, status="timeout,ep_unavailable")
    assert ack["view"]["status"] == "TIMEOUT,EP_UNAVAILABLE"
    snap = wait_event(socket_client, "transactions", lambda a: "snapshot" in a)
    assert snap["view"] == ack["view"]["key"]
    assert [r["transaction_id"] for r in snap["snapshot"]] == [rows["timeout"], rows["ep"]]
    ack = subscribe(socket_client, stuck=True)
    snap = wait_event(socket_client, "transactions",
                      lambda a: "snapshot" in a and a["view"] == ack["view"]["key"])
    assert [r["transaction_id"] for r in snap["snapshot"]] == [rows["stuck"]]


def test_a_row_that_starts_matching_joins_a_live_filtered_table(socket_client, rows,
                                                                sql) -> None:
    subscribe(socket_client, status="failures")
    wait_event(socket_client, "transactions", lambda a: "snapshot" in a)
    with sql.cursor() as cur:
        cur.execute("UPDATE transactions SET status = 'TIMEOUT' WHERE transaction_id = %s",
                    (rows["young"],))
    added = wait_event(socket_client, "transactions", lambda a: a.get("added"))
    assert [r["transaction_id"] for r in added["added"]] == [rows["young"]]
