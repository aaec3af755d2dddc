"""Model commands: bootstrap, train, eval, export, and the registry (models list|promote|rollback).

Imports of the model packages sit inside the commands: torch and transformers take seconds
to import, and `sentimon --help` or `sentimon models list` should not pay for them.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from models.student import RuntimeOptions
from sentimon.settings import Settings


def _data_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options saying how to read a labeled file; shared by train and eval."""
    options = [
        click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "tsv"]), help="Default: from the suffix."),
        click.option("--text-column", default="text", show_default=True),
        click.option("--label-column", default=None, help="Default: polarity (JSONL) or label (CSV/TSV)."),
        click.option("--context-column", default=None, help="Column with the thread parent's text (CSV/TSV)."),
        click.option("--label-map", default="", help="Raw label to polarity, e.g. 0=negative,1=neutral,2=positive."),
        click.option("--skip-bad", is_flag=True, help="Skip and count broken rows instead of stopping at the first."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _read(paths: tuple[Path, ...], **options: Any) -> list:
    from distill.data import DataError, parse_label_map, read_labeled

    label_map = parse_label_map(options.pop("label_map")) or None
    examples = []
    for path in paths:
        try:
            loaded = read_labeled(path, label_map=label_map, **options)
        except DataError as exc:
            raise click.ClickException(str(exc)) from exc
        if loaded.skipped:
            click.echo(f"{path}: skipped {len(loaded.skipped)} broken rows, e.g. {loaded.skipped[0]}", err=True)
        examples.extend(loaded.examples)
    return examples


def _echo_metrics(title: str, metrics: dict[str, float]) -> None:
    click.echo(title)
    for name, value in metrics.items():
        click.echo(f"  {name:<22} {value:.4f}")


@click.command("bootstrap")
@click.option("--teacher/--no-teacher", default=False, help="Also build the local encoder teacher.")
@click.option(
    "--from-seed", is_flag=True, help="Train the student on the seed corpus instead of exporting the checkpoint."
)
def bootstrap_cmd(teacher: bool, from_seed: bool) -> None:
    """Build the default student: export the shipped checkpoint, or train on the seed corpus (once)."""
    from distill.bootstrap import ensure_default_student, ensure_encoder_teacher

    settings = Settings()
    click.echo(f"student {ensure_default_student(settings, from_seed=from_seed)}")
    if teacher:
        click.echo(f"encoder teacher {ensure_encoder_teacher(settings)}")


@click.command("train")
@click.argument("data", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_data_options
@click.option(
    "--val", "val_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Validation file."
)
@click.option("--val-fraction", default=0.1, show_default=True, help="Held out of DATA when --val is not given.")
@click.option("--epochs", type=int, default=None, help="Default: SENTIMON_TRAIN_EPOCHS.")
@click.option("--max-steps", type=int, default=None, help="Stop after this many steps.")
@click.option("--from-current/--from-backbone", default=False, help="Warm-start from the promoted student.")
@click.option("--promote", is_flag=True, help="Promote the new version at once.")
def train_cmd(
    data: tuple[Path, ...],
    val_path: Path | None,
    val_fraction: float,
    epochs: int | None,
    max_steps: int | None,
    from_current: bool,
    promote: bool,
    **read_options: Any,
) -> None:
    """Train a student on labeled files, calibrate, export int8, verify parity and register it."""
    from distill.data import split_validation
    from distill.export import ParityError
    from distill.pipeline import start_from_backbone, start_from_version, train_and_register
    from distill.trainer import TrainConfig
    from models.registry import Registry

    settings = Settings()
    examples = _read(data, **read_options)
    if val_path is not None:
        train, val = examples, _read((val_path,), **read_options)
    else:
        train, val = split_validation(examples, val_fraction)
    click.echo(f"{len(train)} training and {len(val)} validation examples")
    registry = Registry.of(settings)
    overrides: dict[str, Any] = {"max_steps": max_steps}
    if epochs is not None:
        overrides["epochs"] = epochs
    config = TrainConfig.of(settings, **overrides)
    with tempfile.TemporaryDirectory(prefix="sentimon-train-") as scratch:
        current = registry.current()
        if from_current and current is None:
            raise click.ClickException("--from-current, but the registry has no current version")
        start = (
            start_from_version(registry, current, settings.aspects, settings.seed)
            if from_current and current
            else start_from_backbone(settings.backbone, settings.aspects, settings.seed, Path(scratch))
        )
        try:
            version = train_and_register(settings, registry, start, train, val, config, promote=promote)
        except ParityError as exc:
            raise click.ClickException(f"not registered: {exc}") from exc
    _echo_metrics(f"registered {version}" + (" (promoted)" if promote else ""), registry.manifest(version).metrics)


@click.command("eval")
@click.argument("data", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_data_options
@click.option("--version", default=None, help="Registry version; default: the current one.")
def eval_cmd(data: tuple[Path, ...], version: str | None, **read_options: Any) -> None:
    """Score a registered student (as it serves: int8, calibrated) on labeled files."""
    from distill.evaluation import evaluate
    from models.registry import Registry

    settings = Settings()
    runtime = Registry.of(settings).load_runtime(RuntimeOptions.of(settings), version)
    _echo_metrics(f"student {runtime.version}", evaluate(runtime, _read(data, **read_options)))


@click.command("export")
@click.option("--version", default=None, help="Registry version to re-export; default: the current one.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output directory.")
@click.option("--fp32", is_flag=True, help="Skip int8 quantisation.")
@click.option("--register", is_flag=True, help="Register the export as a new version.")
def export_cmd(version: str | None, out: Path, fp32: bool, register: bool) -> None:
    """Re-export a version's PyTorch checkpoint to ONNX (int8 unless --fp32), with the parity check."""
    from distill.export import export_student
    from distill.modeling import StudentModel
    from models.manifest import CHECKPOINT_DIR, TOKENIZER_FILE
    from models.registry import Registry

    settings = Settings()
    registry = Registry.of(settings)
    version = version or registry.current()
    if version is None:
        raise click.ClickException("the registry has no current version; give --version")
    source = registry.path(version)
    manifest = registry.manifest(version).model_copy(update={"parent_version": version, "version": ""})
    model = StudentModel.load(source / CHECKPOINT_DIR)
    report = export_student(model, source / TOKENIZER_FILE, manifest, out, settings, quantize=not fp32)
    click.echo(f"exported {version} to {out}: max |logit diff| {report.max_abs_logit_diff:.4f}")
    if register:
        click.echo(f"registered {registry.register(out, manifest)}")


@click.group("models")
def models_group() -> None:
    """The student registry."""


@models_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the manifests as JSON.")
def list_cmd(as_json: bool) -> None:
    from models.registry import Registry

    settings = Settings()
    registry = Registry.of(settings)
    current, manifests = registry.current(), registry.versions()
    if as_json:
        click.echo(json.dumps([m.model_dump() for m in manifests], indent=2))
        return
    if not manifests:
        click.echo(f"no versions in {registry.root}")
    for m in manifests:
        marker = "*" if m.version == current else " "
        f1 = m.metrics.get("val_macro_f1")
        click.echo(
            f"{marker} {m.version}  parent={m.parent_version or '-'}  created={m.created_at}"
            f"  T={m.temperature:.3f}  val_macro_f1={'-' if f1 is None else f'{f1:.4f}'}"
        )


@models_group.command("promote")
@click.argument("version")
def promote_cmd(version: str) -> None:
    from models.registry import Registry, RegistryError

    settings = Settings()
    try:
        Registry.of(settings).promote(version)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"current: {version}")


@models_group.command("rollback")
def rollback_cmd() -> None:
    from models.registry import Registry, RegistryError

    settings = Settings()
    try:
        version = Registry.of(settings).rollback()
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"current: {version}")


COMMANDS: list[click.Command] = [bootstrap_cmd, train_cmd, eval_cmd, export_cmd, models_group]
