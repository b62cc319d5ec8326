# syntax=docker/dockerfile:1
# The tollgate container action. The build stage's "go build" line is
# repeated by cmd/tollgate/build_test.go, which builds the binary exactly as
# here and checks that it is static and small; keep the two in step.

FROM golang:1.26.8-alpine AS build
WORKDIR /src
ENV GOTOOLCHAIN=local GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/tollgate ./cmd/tollgate

# distroless/static: CA certificates, tzdata and /etc/passwd, no shell, no git.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tollgate /usr/local/bin/tollgate
# Not root. 1001 is the runner user of GitHub-hosted runners, which owns the
# workspace and the file-command files the action writes (outputs, summary).
USER 1001
ENTRYPOINT ["/usr/local/bin/tollgate", "action"]
