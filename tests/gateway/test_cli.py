"""Operators start the gateway from the command line; bad configuration stops it in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_gateway(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_", "REDIS_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        env=clean | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "not a url"}, "error: DATABASE_URL: malformed URL"),
        ({"DATABASE_URL": "mysql://db/x"}, "error: DATABASE_URL: unsupported database 'mysql'"),
        (
            {"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"},
            "error: DATABASE_URL: cannot connect to",
        ),
        (
            {"REDIS_URL": "redis://127.0.0.1:9/0", "SESSION_SECRET": "s" * 32},
            "error: REDIS_URL: cannot connect",
        ),
        (
            {"REDIS_URL": "redis://127.0.0.1:9/0"},
            "error: SESSION_SECRET: required with REDIS_URL",
        ),
        (
            {"TWILIO_ACCOUNT_SID": "AC123"},
            "error: TWILIO_AUTH_TOKEN: missing while Twilio routes are enabled",
        ),
        ({"PORT": "eighty"}, "error: PORT: not a TCP port: 'eighty'"),
    ],
)
def test_bad_configuration_stops_start_up_with_one_line(
    env: dict[str, str], expected: str, tmp_path: Path
) -> None:
    result = run_gateway("serve", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"} | env)

    assert result.returncode == 2
    assert result.stderr.startswith(expected)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_the_auth_token_never_appears_in_errors(tmp_path: Path) -> None:
    result = run_gateway(
        "serve",
        env={
            "TWILIO_ACCOUNT_SID": "AC123",
            "TWILIO_AUTH_TOKEN": "s3cr3t-token",
            "REDIS_URL": "redis://127.0.0.1:9/0",
            "SESSION_SECRET": "s" * 32,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}",
        },
    )
    assert result.returncode == 2
    assert "s3cr3t-token" not in result.stderr + result.stdout


def test_migrate_then_seed_demo_prints_the_demo_staff_once(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    assert run_gateway("migrate", env=env).returncode == 0

    first = run_gateway("seed-demo", env=env)
    again = run_gateway("seed-demo", env=env)

    assert first.returncode == 0 and "demo utility loaded" in first.stdout
    assert "lead.grace" in first.stdout and "demo-lead" in first.stdout
    assert again.returncode == 0 and "already has data" in again.stdout


def test_help_lists_the_commands() -> None:
    result = run_gateway("--help", env={})
    assert result.returncode == 0
    for command in ("serve", "migrate", "seed-demo", "simulate"):
        assert command in result.stdout


def test_simulate_without_a_twilio_token_says_which_variable_is_missing(tmp_path: Path) -> None:
    result = run_gateway(
        "simulate", "sms", "--duration", "1", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: TWILIO_AUTH_TOKEN: needed")
