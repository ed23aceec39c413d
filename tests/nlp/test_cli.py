"""`python -m nlp` as other programs use it: JSON lines in, JSON lines out, never a crash."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "nlp", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )


def test_analyze_round_trip_with_bad_lines(model_dir):
    lines = [
        json.dumps({"text": "I smell gas!", "channel": "sms", "id": 7}).encode(),
        b"not json",
        b"\xff\xfe invalid utf-8",
        b"",
        json.dumps({"text": 42}).encode(),
        json.dumps(["a list"]).encode(),
        json.dumps({"text": "call me at 555-201-4432 pls", "channel": None}).encode(),
        json.dumps({"text": "caf\u00e9 \ud83d\ude00"}).encode(),
    ]
    result = run("analyze", stdin=b"\n".join(lines) + b"\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(out) == 7
    first = out[0]
    assert (first["id"], first["channel"], first["intent"], first["urgent"]) == (
        7,
        "sms",
        "emergency",
        True,
    )
    assert set(first) >= {"intent_confidence", "hostile", "sentiment", "entities"}
    assert out[1]["error"].startswith("invalid JSON") and out[1]["line"] == 2
    assert out[2]["error"].startswith("invalid UTF-8") and out[2]["line"] == 3
    assert out[3]["error"] == "field 'text' must be a string"
    assert out[4]["error"] == "expected a JSON object"
    assert out[5]["entities"] == [
        {"label": "PHONE", "text": "555-201-4432", "start": 11, "end": 23}
    ]
    assert out[6]["text"] == "caf\u00e9 \U0001f600"


def test_analyze_without_a_model_fails_clearly(tmp_path):
    result = run("analyze", "--model", str(tmp_path), stdin=b'{"text": "hi"}\n')
    assert result.returncode == 2
    assert b"make model" in result.stderr


@pytest.mark.parametrize("command", [(), ("analyze",), ("evaluate",), ("train",), ("bench",)])
def test_help_everywhere(command):
    result = run(*command, "--help")
    assert result.returncode == 0
    assert b"usage: python -m nlp" in result.stdout


def test_evaluate_prints_the_report(model_dir, tmp_path):
    path = tmp_path / "extra.jsonl"
    rows = [
        {
            "id": "t-1",
            "text": "I smell gas",
            "intent": "emergency",
            "urgent": True,
            "hostile": False,
            "style": "sms",
        },
        {
            "id": "t-2",
            "text": "my power is out",
            "intent": "outage_report",
            "urgent": False,
            "hostile": False,
            "style": "chat",
        },
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run("evaluate", str(path))
    assert result.returncode == 0, result.stderr
    report = result.stdout.decode()
    for heading in ("macro-F1", "confusion", "urgent", "hostile", "emergency"):
        assert heading in report
