# The API as a small image: dependencies are compiled in a stage of their own (cargo-chef), so
# a change to the code rebuilds only the workspace crates; the server runs as a non-root user
# with a writable /data, where the SQLite default lives when no DATABASE_URL is given.
FROM rust:1.95-bookworm AS chef
RUN cargo install cargo-chef --locked
WORKDIR /src

# The dependency graph only: this layer changes when Cargo.toml or Cargo.lock do.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json -p api
COPY . .
RUN cargo build --release -p api

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin api \
    && mkdir -p /data && chown api:api /data
COPY --from=build /src/target/release/api /usr/local/bin/api
USER api
WORKDIR /data
VOLUME /data
ENV HOST=0.0.0.0 PORT=8080 RUST_LOG=info LOG_FORMAT=json \
    DATABASE_URL=sqlite:///data/partnership.sqlite?mode=rwc
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
CMD ["api", "serve"]
