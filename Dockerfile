# the wheels are built where a C compiler is (the C reader of ISO 20022 trees, hatch_build.py)
FROM python:3.11-slim AS wheels
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md hatch_build.py ./
COPY hub ./hub
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[sftp,amqp,fast]"

FROM python:3.11-slim

RUN useradd --create-home --uid 10001 hub
WORKDIR /app
COPY --from=wheels /wheels /wheels
COPY config ./config
RUN pip install --no-cache-dir --no-index --find-links /wheels "nvc-hub[sftp,amqp,fast]" \
    && rm -rf /wheels

USER hub
ENV HUB__HUB__DATA_DIR=/home/hub/var \
    HUB__API__HOST=0.0.0.0 \
    HUB__API__ADMIN_HOST=0.0.0.0
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9090/healthz', timeout=2).status == 200 else 1)"
ENTRYPOINT ["nvc-hub"]
CMD ["run"]
