"""Teacher commands: try the configured teacher from the shell, and read its accounting."""

from __future__ import annotations

import asyncio
import json

import click
import redis

from sentimon.redis_layout import Keys
from sentimon.settings import Settings


@click.group("teacher")
def teacher_group() -> None:
    """Try the configured teacher and see what it has cost."""


@teacher_group.command("ask")
@click.argument("text")
@click.option("--context", default=None, help="Text of the post this one replies to.")
@click.option(
    "--backend",
    "backends",
    multiple=True,
    help="Use this backend instead of SENTIMON_TEACHER_BACKENDS (repeat for an ensemble).",
)
def ask_cmd(text: str, context: str | None, backends: tuple[str, ...]) -> None:
    """Ask the teacher to label TEXT, with the same retries and validation as the stream."""
    from models.teacher.types import TeacherConfigError, TeacherError

    settings = Settings(teacher_backends=list(backends)) if backends else Settings()
    try:
        answer = asyncio.run(_ask(settings, text, context))
    except (TeacherError, TeacherConfigError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(answer, indent=2, ensure_ascii=False))


async def _ask(settings: Settings, text: str, context: str | None) -> dict[str, object]:
    from models.teacher.types import TeacherQuery
    from stream.teacher_factory import build_teacher

    teacher = await build_teacher(settings)
    try:
        answer = await teacher.ask(TeacherQuery(post_id="cli", text=text, context=context))
    finally:
        await teacher.aclose()
    return {
        "teacher": answer.teacher,
        "polarity": answer.polarity,
        "confidence": round(answer.confidence, 4),
        "probs": answer.probs.model_dump(),
        "emotions": list(answer.emotions),
        "aspects": [a.model_dump() for a in answer.aspects],
        "rationale": answer.rationale,
        "tokens": answer.tokens,
        "calls": [
            {"backend": c.backend, "ok": c.ok, "attempts": c.attempts, "seconds": round(c.seconds, 3)}
            for c in answer.calls
        ],
    }


@teacher_group.command("stats")
def stats_cmd() -> None:
    """Per-backend teacher accounting as the stream recorded it in Redis."""
    settings = Settings()
    keys = Keys(settings.redis_prefix)
    client = redis.Redis.from_url(settings.redis_url, decode_responses=True)
    try:
        backends = sorted(client.smembers(keys.teacher_backends))
        stats = {name: client.hgetall(keys.stats_teacher(name)) for name in backends}
    finally:
        client.close()
    if not stats:
        click.echo("no teacher calls recorded yet")
        return
    click.echo(json.dumps(stats, indent=2, sort_keys=True))


COMMANDS: list[click.Command] = [teacher_group]
