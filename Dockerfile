# syntax=docker/dockerfile:1
# The tollgate image: ghcr.io/tollgate-dev/tollgate:vX.Y.Z, for docker run
# and for `uses: docker://…` steps. The action itself is a composite action
# that downloads the release binary (action.yml); this image is not built
# on every workflow run.
#
#   docker build .                    builds the binary from source (forks,
#                                     air-gapped mirrors); the default
#   docker build --build-arg BINARY=release .
#                                     copies the binaries scripts/release-build.sh
#                                     left in dist/build/, as the release
#                                     workflow does, so the image holds the
#                                     very bytes that were attested
#
# BuildKit (docker build's default since Docker 23) builds only the stage
# BINARY names; the legacy builder would build both.
#
# The source stage's "go build" line is repeated by
# cmd/tollgate/build_test.go, which builds the binary exactly as here and
# checks that it is static and small; keep the two in step.
ARG BINARY=source

FROM golang:1.26.8-alpine AS source
WORKDIR /src
ENV GOTOOLCHAIN=local GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION
ARG COMMIT
ARG DATE
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" -o /out/tollgate ./cmd/tollgate

FROM scratch AS release
ARG TARGETOS
ARG TARGETARCH
COPY dist/build/${TARGETOS}_${TARGETARCH}/tollgate /out/tollgate

FROM ${BINARY} AS binary

# distroless/static: CA certificates, tzdata and /etc/passwd, no shell, no git.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=binary /out/tollgate /usr/local/bin/tollgate
# Not root. 1001 is the runner user of GitHub-hosted runners, which owns the
# workspace and the file-command files a docker:// step writes (outputs,
# summary).
USER 1001
ENTRYPOINT ["/usr/local/bin/tollgate", "action"]
