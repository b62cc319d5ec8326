// Package motoserver starts moto_server (a local emulation of AWS APIs,
// installed with pip) for tests: on a free loopback port, waiting until it
// answers, stopped when the test ends.
package motoserver

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Server is a running moto_server.
type Server struct {
	// URL is the endpoint, e.g. "http://127.0.0.1:40123".
	URL string
}

// Start runs moto_server for the test. Without moto_server on PATH the test
// is skipped with a message, unless TOLLGATE_CI=1, where it fails: CI must
// not pass by skipping what it is meant to test.
func Start(t testing.TB) *Server {
	t.Helper()
	s, cancel, done := start(t)
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
	})
	return s
}

func start(t testing.TB) (*Server, context.CancelFunc, chan struct{}) {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		msg := "moto_server is not installed (pip install 'moto[server]'); skipping the tests that need AWS emulation"
		if os.Getenv("TOLLGATE_CI") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	var logs lockedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting moto_server: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-done:
			cancel()
			t.Fatalf("moto_server exited during start-up:\n%s", logs.String())
		default:
		}
		resp, err := http.Get(s.URL + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, cancel, done
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("moto_server did not answer within 60s:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Reset clears every emulated resource, so tests sharing a server start clean.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	resp, err := http.Post(s.URL+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// Env sets the environment variables the AWS SDK reads so that every client
// made during the test talks to this server with dummy credentials.
func (s *Server) Env(t *testing.T) {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL", s.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var shared struct {
	mu     sync.Mutex
	srv    *Server
	cancel context.CancelFunc
	done   chan struct{}
}

// Shared returns a moto_server shared by the tests of a package, started on
// first use and reset (every emulated resource removed) before it is
// returned, so tests stay independent without paying a start each. Call
// StopShared from TestMain. Tests using it must not run in parallel.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv == nil {
		s, cancel, done := start(t)
		shared.srv, shared.cancel, shared.done = s, cancel, done
	}
	shared.srv.Reset(t)
	return shared.srv
}

// StopShared stops the shared server, if one was started.
func StopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.cancel != nil {
		shared.cancel()
		select {
		case <-shared.done:
		case <-time.After(10 * time.Second):
		}
		shared.srv, shared.cancel = nil, nil
	}
}
