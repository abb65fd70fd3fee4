# jobcrawl: a static binary on a distroless base, run as a non-root user.
#
#   docker build -t jobcrawl .
#   docker run -v jobcrawl-data:/data -v $PWD/config.yaml:/etc/jobcrawl/config.yaml:ro \
#     -p 7800:7800 jobcrawl
#
# The config file must set data_dir: /data and daemon.listen: 0.0.0.0:7800
# (see deploy/compose.config.yaml); compose.yaml runs it with Meilisearch.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/jobcrawl ./cmd/jobcrawl \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/jobcrawl /usr/local/bin/jobcrawl
# the data volume, owned by the image's non-root user (65532)
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME ["/data"]
EXPOSE 7800
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/jobcrawl", "healthcheck", "--server", "http://127.0.0.1:7800"]
ENTRYPOINT ["/usr/local/bin/jobcrawl"]
CMD ["daemon", "--config", "/etc/jobcrawl/config.yaml", "--log-format", "json"]
