package spelling

import "testing"

func TestClosestFindsWhatWasMeant(t *testing.T) {
	words := []string{"account", "region", "trusted-accounts", "GetObject", "GetObjectAcl", "ListBucket"}
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"acount", "account", true},
		{"ACCOUNT", "account", true},
		{"GetObjekt", "GetObject", true},
		{"regoin", "region", true},
		{"ListBuckets", "ListBucket", true},
		{"colour", "", false},
		{"x", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		got, ok := Closest(c.in, words)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestDistanceStopsAtTheLimit(t *testing.T) {
	if d := Distance("kitten", "sitting", 5); d != 3 {
		t.Errorf("Distance = %d, want 3", d)
	}
	if d := Distance("short", "a much longer string", 2); d != 3 {
		t.Errorf("Distance past the limit = %d, want 3", d)
	}
}
