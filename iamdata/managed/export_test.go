package managed

// EmbeddedBytes exposes the embedded file to the benchmarks.
func EmbeddedBytes() []byte { return embedded }
