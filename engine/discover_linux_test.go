package engine

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgate-dev/tollgate/template"
)

// asUser runs f with the file-system identity of an unprivileged user, so
// permissions apply even when the tests run as root (CI does). setfsuid is
// per thread, and discovery walks on the calling goroutine.
func asUser(t *testing.T, f func()) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	prev, _, _ := syscall.Syscall(syscall.SYS_SETFSUID, 65534, 0, 0)
	defer syscall.Syscall(syscall.SYS_SETFSUID, prev, 0, 0)
	f()
}

// A folder that cannot be read is not a clean result: the run fails and
// says what was not checked, in the errors, not among the notes.
func TestAnUnreadableFolderIsAnError(t *testing.T) {
	dir := tree(t, map[string]string{"stacks/web/a.yaml": goodTemplate, "stacks/payments/b.yaml": badTrust})
	for _, d := range []string{filepath.Dir(dir), dir, filepath.Join(dir, "stacks"), filepath.Join(dir, "stacks/web")} {
		os.Chmod(d, 0o755)
	}
	os.Chmod(filepath.Join(dir, "stacks/web/a.yaml"), 0o644)
	if err := os.Chmod(filepath.Join(dir, "stacks/payments"), 0o700); err != nil {
		t.Fatal(err)
	}
	chdir(t, dir)
	var found *discovery
	asUser(t, func() {
		var err error
		if found, err = discover(nil, []string{"stacks"}, nil, nil); err != nil {
			t.Fatal(err)
		}
	})
	want := []string{"skipped stacks/payments: permission denied; the templates in it were not checked"}
	if diff := cmp.Diff(want, template.NoticeStrings(found.errors)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	for _, n := range found.notices {
		if strings.Contains(n.String(), "payments") {
			t.Errorf("the unreadable folder is also a notice: %q", n)
		}
	}
	if len(found.files) != 1 || found.files[0].Path != "stacks/web/a.yaml" {
		t.Errorf("files = %+v", found.files)
	}
}
