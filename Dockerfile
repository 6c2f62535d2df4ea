# syntax=docker/dockerfile:1

# Build: a static binary (pure-Go SQLite, no cgo).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/pacer ./cmd/pacer

# Run: Debian's Chromium for the executor, tini to reap Chromium's children,
# a non-root user, and a volume for the embedded database.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium tini ca-certificates tzdata fonts-liberation \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --uid 10001 pacer \
 && mkdir -p /data && chown pacer /data
COPY --from=build /out/pacer /usr/local/bin/pacer
ENV CHROME_BIN=/usr/bin/chromium \
    PACER_DATA_DIR=/data \
    PACER_HTTP_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
USER pacer
ENTRYPOINT ["/usr/bin/tini", "--", "pacer"]
CMD ["serve"]
