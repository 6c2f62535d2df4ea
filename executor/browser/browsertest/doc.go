// Package browsertest helps tests run real Chromium: it finds the binary (or
// skips loudly, or fails on CI), launches browsers whose processes carry a
// recognizable profile path, finds any of their processes that survive, and
// measures their memory. Only tests and benchmarks import it.
package browsertest
