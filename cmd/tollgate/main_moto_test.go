package main

import (
	"os"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/motoserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	motoserver.StopShared()
	os.Exit(code)
}
