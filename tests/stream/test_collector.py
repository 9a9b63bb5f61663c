"""The HTTP collector against the real broker: auth, limits, and every line read back from Kafka
with a real consumer, value for value."""

from __future__ import annotations

import gzip
import json
import uuid

import httpx
import pytest

from .collector_process import Collector
from .kafka_helpers import read_topic

pytestmark = pytest.mark.kafka


def _lines(n: int, marker: str) -> list[bytes]:
    return [
        json.dumps(
            {"device": {"serial": f"CAM-{i % 3}"}, "seq": i, "marker": marker, "nested": {"a": [i]}}
        ).encode()
        for i in range(n)
    ]


def _mine(records: list, marker: str) -> list:  # type: ignore[type-arg]
    return [r for r in records if marker.encode() in r.value]


def test_401_without_or_with_a_wrong_token(collector: Collector) -> None:
    url = f"{collector.url}/v1/events/c_cam"
    body = b'{"a": 1}\n'
    assert httpx.post(url, content=body).status_code == 401
    wrong = httpx.post(url, content=body, headers={"Authorization": "Bearer " + "x" * 43})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    basic = httpx.post(url, content=body, headers={"Authorization": f"Basic {collector.token}"})
    assert basic.status_code == 401
    assert collector.post("c_cam", body).status_code == 200


def test_unknown_and_non_json_sources_are_404(collector: Collector) -> None:
    assert collector.post("nope", b'{"a": 1}\n').status_code == 404
    response = collector.post("c_csv", b'{"a": 1}\n')
    assert response.status_code == 404
    assert "not a JSON source" in response.json()["error"]


def test_413_for_a_body_over_the_limit_and_a_gzip_bomb(collector: Collector) -> None:
    big = b"\n".join([b'{"pad": "' + b"x" * 1000 + b'"}'] * 70)  # ~70 KB > 64 KiB
    response = collector.post("c_cam", big)
    assert response.status_code == 413
    assert "65536" in response.json()["error"]
    bomb = gzip.compress(b'{"pad": "' + b"x" * 2_000_000 + b'"}\n')  # small compressed, 2 MB inflated
    assert len(bomb) < 65536
    response = collector.post("c_cam", bomb, {"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert "decompresses to more than" in response.json()["error"]
    # One line over Kafka's message size would fail on every retry: 413 names it, not a 503.
    huge_line = b'{"ok": 1}\n{"pad": "' + b"x" * 995_000 + b'"}\n'
    response = collector.post("c_cam", gzip.compress(huge_line), {"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert response.json()["error"].startswith("line 2 is 995011 bytes")


def test_json_lines_are_in_the_topic_exactly_as_sent(collector: Collector, broker_settings) -> None:  # type: ignore[no-untyped-def]
    marker = uuid.uuid4().hex
    lines = _lines(50, marker)
    lines[7] = (
        b'{"spaces" :  "kept",   "marker": "' + marker.encode() + b'", "unicode": "\xc3\xa9\xe2\x82\xac"}'
    )
    body = b"\n".join(lines[:25]) + b"\r\n" + b"\n".join(lines[25:]) + b"\n\n"
    response = collector.post("c_cam", body)
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 50 and response.json()["dead_lettered"] == 0
    records = _mine(read_topic(broker_settings.bootstrap, "dap.events.c_cam"), marker)
    assert sorted(r.value for r in records) == sorted(lines)  # bytes as sent: no re-encoding
    request_id = response.json()["request_id"]
    by_value = {r.value: r for r in records}
    for line in lines:
        record = by_value[line]
        assert record.headers["dap-source"] == b"c_cam"
        assert record.headers["dap-request-id"] == request_id.encode()
        assert record.headers["dap-fleet"] == b"fleet-a"
        assert record.headers["dap-received-at"].endswith(b"+00:00")
        serial = json.loads(line).get("device", {}).get("serial")
        assert record.key == (serial.encode() if serial else None)
    # one device's events share a key, so they are in one partition, in the order sent
    for key in (b"CAM-0", b"CAM-1"):
        mine = [r for r in records if r.key == key]
        assert len({r.partition for r in mine}) == 1
        assert [json.loads(r.value)["seq"] for r in sorted(mine, key=lambda r: r.offset)] == sorted(
            json.loads(r.value)["seq"] for r in mine
        )


def test_a_gzip_batch(collector: Collector, broker_settings) -> None:  # type: ignore[no-untyped-def]
    marker = uuid.uuid4().hex
    lines = _lines(200, marker)
    body = gzip.compress(b"\n".join(lines[:100]) + b"\n") + gzip.compress(
        b"\n".join(lines[100:])
    )  # 2 members
    response = collector.post("c_app", body, {"Content-Encoding": "gzip"})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 200
    as_type = collector.post("c_app", gzip.compress(lines[0]), {"Content-Type": "application/gzip"})
    assert as_type.json()["accepted"] == 1
    records = _mine(read_topic(broker_settings.bootstrap, "dap.events.c_app"), marker)
    assert sorted(r.value for r in records) == sorted([*lines, lines[0]])
    broken = collector.post("c_app", body[:-20], {"Content-Encoding": "gzip"})
    assert broken.status_code == 400 and "gzip" in broken.json()["error"]
    assert collector.post("c_app", body, {"Content-Encoding": "br"}).status_code == 415


def test_bad_lines_go_to_the_dead_letter_topic_with_reason_and_line(
    collector: Collector, broker_settings
) -> None:  # type: ignore[no-untyped-def]
    marker = uuid.uuid4().hex
    good = json.dumps({"marker": marker, "ok": True}).encode()
    bad = {
        2: (b"not json " + marker.encode(), "not valid JSON"),
        3: (b'["' + marker.encode() + b'"]', "not a JSON object: an array"),
        5: (b'{"truncated": "' + marker.encode(), "not valid JSON"),
        6: (b'"' + marker.encode() + b'"', "not a JSON object: a string"),
        7: (b'{"latin1": "\xe9' + marker.encode() + b'"}', "not UTF-8 text"),
    }
    body = b"\n".join([good, bad[2][0], bad[3][0], b"   ", bad[5][0], bad[6][0], bad[7][0], good])
    response = collector.post("c_cam", body)
    assert response.status_code == 200, response.text
    data = response.json()
    assert (data["accepted"], data["dead_lettered"]) == (2, 5)
    assert [d["line"] for d in data["dead_letters"]] == [2, 3, 5, 6, 7]
    dead = _mine(read_topic(broker_settings.bootstrap, "dap.deadletter.c_cam"), marker)
    assert {r.value for r in dead} == {value for value, _ in bad.values()}
    for record in dead:
        line = int(record.headers["dap-line"])
        assert record.value == bad[line][0]
        assert record.headers["dap-error"].decode().startswith(bad[line][1])
        assert record.headers["dap-request-id"] == data["request_id"].encode()
    events = _mine(read_topic(broker_settings.bootstrap, "dap.events.c_cam"), marker)
    assert [r.value for r in events] == [good, good]


def test_healthz_and_metrics(collector: Collector) -> None:
    assert httpx.get(collector.url + "/healthz").json()["status"] == "ok"
    collector.post("c_app", b'{"m": 1}\nbad\n')
    text = httpx.get(collector.url + "/metrics").text
    assert 'dap_collector_events_total{outcome="dead_lettered",source="c_app"}' in text
    assert 'dap_collector_requests_total{source="c_app",status="200"}' in text
    assert "dap_collector_request_seconds_bucket" in text
    assert collector.token not in text
    assert collector.token not in collector.log_file.read_text()
