# syntax=docker/dockerfile:1
# The logpulse daemon as an image (README "Run as a service", docs/operator-guide.md).
#
#   docker build -t logpulse .
#   docker run --rm -p 127.0.0.1:8080:8080 logpulse          # built-in generator; /health, /metrics on :8080
#
# Three stages: `build` compiles the Rust core (with the Kafka consumer's librdkafka), the TypeScript and
# node-rdkafka's librdkafka; `prod-deps` installs
# the production dependencies alone, without running any package script, and takes node-rdkafka's compiled binary
# from `build`; `runtime` is node:20 slim with only what the daemon loads at run time.
#
# Image size target: ≤ 400 MB uncompressed. node:20-bookworm-slim is ~200 MB; /opt/logpulse is ~155 MB, of which
# DuckDB's prebuilt library (batch views and the stats API) is 70 MB, librdkafka 15 MB, the native core 10 MB;
# tini, libssl3 and ca-certificates add ~5 MB. Nothing of the toolchains (Rust ~1.5 GB, the C toolchain, the 450 MB
# librdkafka source tree node-rdkafka builds in) reaches the runtime stage. scripts/docker-replay prints the size
# of /opt/logpulse it assembles.
#
# scripts/docker-replay replays these steps outside Docker (there is no Docker engine where the tests run) and
# starts the result with this file's ENTRYPOINT + CMD; test/deploy/dockerfile.test.ts lints this file with hadolint.

# Node's exact version is the one the test suite runs on; bookworm everywhere, so the runtime's glibc and OpenSSL are
# the ones the build linked against.
ARG NODE_VERSION=20.20.2
ARG RUST_VERSION=1.95

# The Rust toolchain is copied out of the official rust image (pinned, no `curl | sh` in the build, cached as a layer).
FROM rust:${RUST_VERSION}-bookworm AS rust

# ── build ────────────────────────────────────────────────────────────────────────────────────────────────────────
# node:20-bookworm (not slim): Debian's buildpack-deps underneath already has gcc, make and most -dev headers.
FROM node:${NODE_VERSION}-bookworm AS build
# The rust image's toolchain layout; npm_config_nodedir: node-gyp (node-rdkafka) takes Node's headers from this image
# instead of downloading them (as .ci/run does).
ENV RUSTUP_HOME=/usr/local/rustup \
    CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:$PATH \
    npm_config_nodedir=/usr/local
COPY --from=rust /usr/local/rustup /usr/local/rustup
COPY --from=rust /usr/local/cargo /usr/local/cargo
# What the two librdkafka builds need (node-rdkafka's, for the alerts producer and `gen`; the native module's, for
# the kafka:// consumer), stated rather than assumed: a C/C++ toolchain, python3 for node-gyp, pkg-config, OpenSSL
# and zlib headers (both link libssl3 and zlib1g, which the runtime stage installs).
# DL3008 (pin apt versions): not pinned: bookworm's archive drops a version when its security update lands, so a pinned
# install breaks; the base image tag fixes the Debian release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential python3 pkg-config libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first: this layer (librdkafka's ~2.5 min build) is reused until package-lock.json changes.
# --ignore-scripts, then rebuilding node-rdkafka alone: the root `prepare` script (npm run build) needs the sources,
# which are not copied yet; node-rdkafka is the one production package that must compile (msgpackr-extract ships
# prebuilt binaries; esbuild's script only checks its binary and is a dev dependency).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild node-rdkafka
COPY tsconfig.json ./
COPY native/ native/
COPY src/ src/
RUN npm run build

# ── prod-deps ────────────────────────────────────────────────────────────────────────────────────────────────────
# Production dependencies only, and no package script runs: node-rdkafka's compiled addon and the two librdkafka
# libraries it loads (its RUNPATH is $ORIGIN/../deps) come from `build`; nothing else in its 470 MB build tree is
# needed. (`npm prune --omit=dev` in `build` would keep that whole tree.)
FROM node:${NODE_VERSION}-bookworm AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /src/node_modules/node-rdkafka/build/Release/node-librdkafka.node node_modules/node-rdkafka/build/Release/
COPY --from=build /src/node_modules/node-rdkafka/build/deps/librdkafka.so.1 /src/node_modules/node-rdkafka/build/deps/librdkafka++.so.1 node_modules/node-rdkafka/build/deps/

# ── runtime ──────────────────────────────────────────────────────────────────────────────────────────────────────
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tini as PID 1: it forwards SIGTERM (graceful drain) and SIGHUP (config reload) to the daemon and reaps zombies.
# libssl3: librdkafka's TLS. ca-certificates: brokers signed by a public CA (kafka.security.caFile unset).
# DL3008 (pin apt versions): not pinned, as in the build stage: security updates replace bookworm's versions.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini libssl3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 logpulse \
 && useradd --system --uid 10001 --gid logpulse --home-dir /var/lib/logpulse --shell /usr/sbin/nologin logpulse \
 && mkdir -p /var/lib/logpulse/output /var/lib/logpulse/checkpoint /var/lib/logpulse/data \
 && chown -R logpulse:logpulse /var/lib/logpulse
WORKDIR /opt/logpulse
# What the daemon loads: dist/ (the compiled TypeScript), the native core and its loader (src/native.ts), the
# production node_modules, package.json ("type": "module"; the version /docs shows), and assets/ (the dashboard's
# files, found from dist/api/ as ../../assets/; the Spark batch driver).
COPY --from=prod-deps /src/node_modules node_modules/
COPY --from=build /src/dist dist/
COPY --from=build /src/native/index.cjs /src/native/logpulse.linux-x64-gnu.node native/
COPY package.json ./
COPY assets/ assets/
COPY deploy/docker/logpulse.yaml /etc/logpulse/logpulse.yaml
# Fails the build if a native addon needs a shared library this stage lacks (rather than the daemon at its first
# Kafka connection).
RUN --mount=type=bind,source=deploy/docker/check-libs.sh,target=/tmp/check-libs.sh sh /tmp/check-libs.sh /opt/logpulse
ENV NODE_ENV=production
# Numeric: Kubernetes' runAsNonRoot can only verify a numeric user (10001 = logpulse, made above).
USER 10001:10001
# Relative paths in the image's config (output, checkpoint, data) are relative to this directory.
WORKDIR /var/lib/logpulse
# output/: errors, metrics, rejected, alerts, partials, results.txt. checkpoint/: open windows and source positions
# across restarts. data/: the Parquet archive (data/logs) and the batch views (data/batch).
VOLUME ["/var/lib/logpulse/output", "/var/lib/logpulse/checkpoint", "/var/lib/logpulse/data"]
EXPOSE 8080
# /health needs no token; node's own fetch, so no curl in the image. The port follows LOGPULSE_API_PORT like the config.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.LOGPULSE_API_PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Memory: run with a limit (`docker run --memory 512m`, compose's mem_limit, a Kubernetes limit): the defaults fit
# 512 MiB, and the daemon pauses its sources above 80 % of the container's limit (limits.maxMemory 0 reads it).
# SIGTERM: drain and exit 0 within shutdownTimeout (20 s here): give `docker stop` more (`-t 30`, compose's
# stop_grace_period), or Docker's SIGKILL after 10 s cuts the drain short.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/logpulse/dist/cli/main.js"]
CMD ["run", "-c", "/etc/logpulse/logpulse.yaml"]
