# Build in a full Rust image, run in a slim Debian with only libpq beside the binary.
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked && strip target/release/oversight

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/oversight --create-home oversight
COPY --from=build /src/target/release/oversight /usr/local/bin/oversight
USER oversight
WORKDIR /var/lib/oversight
ENV OVERSIGHT_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["oversight"]
CMD ["serve"]
