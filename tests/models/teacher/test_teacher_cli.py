"""`sentimon teacher ask` and `sentimon teacher stats` from the shell, against the real test server."""

from __future__ import annotations

import json

import redis
from click.testing import CliRunner

from cli import main
from sentimon.redis_layout import Keys
from sentimon.settings import Settings
from tests.fixtures.teacher import ChatCompletionsServer


def env_of(settings: Settings) -> dict[str, str]:
    return {
        "SENTIMON_TEACHER_BACKENDS": "openai",
        "SENTIMON_TEACHER_URL": settings.teacher_url,
        "SENTIMON_TEACHER_MODEL": settings.teacher_model,
        "SENTIMON_TEACHER_TIMEOUT": "0.5",
        "SENTIMON_TEACHER_MAX_RETRIES": "0",
        "SENTIMON_REDIS_URL": settings.redis_url,
        "SENTIMON_REDIS_PREFIX": settings.redis_prefix,
    }


def test_teacher_ask_prints_the_validated_answer(teacher_settings: Settings, llm_server: ChatCompletionsServer) -> None:
    result = CliRunner().invoke(main, ["teacher", "ask", "awful prices, I want a refund"], env=env_of(teacher_settings))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["teacher"], answer["polarity"]) == ("openai", "negative")
    assert answer["aspects"] == [{"aspect": "price", "polarity": "negative"}]
    assert answer["calls"][0]["ok"] is True
    assert llm_server.received[0].data == {"post": "awful prices, I want a refund", "thread_context": None}


def test_teacher_ask_reports_failure_without_a_traceback(
    teacher_settings: Settings, llm_server: ChatCompletionsServer
) -> None:
    llm_server.default = "401"
    result = CliRunner().invoke(main, ["teacher", "ask", "hello"], env=env_of(teacher_settings))
    assert result.exit_code == 1
    assert "HTTP 401" in result.output and "Traceback" not in result.output


def test_teacher_stats_reads_the_accounting(teacher_settings: Settings, redis_client: redis.Redis, keys: Keys) -> None:
    runner = CliRunner()
    assert "no teacher calls" in runner.invoke(main, ["teacher", "stats"], env=env_of(teacher_settings)).output
    redis_client.sadd(keys.teacher_backends, "openai")
    redis_client.hset(keys.stats_teacher("openai"), mapping={"calls": 3, "errors": 1})
    result = runner.invoke(main, ["teacher", "stats"], env=env_of(teacher_settings))
    assert json.loads(result.output) == {"openai": {"calls": "3", "errors": "1"}}
