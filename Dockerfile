# syntax=docker/dockerfile:1
# Multi-stage build: the builder installs the same pinned tools scripts/dev
# does (from the package registries only) and builds the release site; the
# runtime image holds just the binary, the site folder and CA certificates,
# and runs as an unprivileged user.

FROM rust:1.95-bookworm AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Tools first, so source edits do not rebuild them.
COPY rust-toolchain.toml Cargo.toml Cargo.lock package.json package-lock.json ./
COPY scripts ./scripts
RUN scripts/dev setup tools
COPY . .
RUN cargo leptos build --release --precompress

FROM debian:bookworm-slim AS runtime
# setuid and setgid bits are stripped so no program in the image can gain
# rights, whatever flags it is run with.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin cairn \
 && find / -xdev -perm /6000 -type f -exec chmod a-s {} +
WORKDIR /app
COPY --from=builder /src/target/release/cairn /app/cairn
# The bundle's content hashes: pages name the files by them.
COPY --from=builder /src/target/release/hash.txt /app/hash.txt
COPY --from=builder /src/target/site /app/site
USER 10001:10001
ENV CAIRN_ENV=production \
    CAIRN_BIND=0.0.0.0:3000 \
    CAIRN_SITE_ROOT=/app/site
# Give it, from a secret store:
#   DATABASE_URL=postgres://cairn_app:…@db.example/cairn?sslmode=verify-full&sslrootcert=system
#     the application's role, which `serve` connects as (production refuses
#     the owner or any role with more rights than cairn_app);
#   CAIRN_MIGRATION_DATABASE_URL=postgres://owner:…@db.example/cairn?sslmode=verify-full&sslrootcert=system
#     the tables' owner, for `cairn migrate`, run once per release before
#     `serve` (production does not migrate on start).
# The image needs no shell or curl to check itself: `cairn healthcheck` asks
# /healthz on CAIRN_BIND (`--ready` asks /readyz, which also needs the
# database; a load balancer should use that one over HTTP).
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["/app/cairn", "healthcheck"]
EXPOSE 3000
# Nothing is written inside the image at run time, so run it locked down
# (docs/operations.md explains each flag):
#   docker run --read-only --cap-drop ALL --security-opt no-new-privileges \
#     --tmpfs /tmp:rw,noexec,nosuid,size=16m --pids-limit 256 --memory 512m \
#     --env-file cairn.env -p 3000:3000 cairn
ENTRYPOINT ["/app/cairn"]
CMD ["serve"]
