//go:build race

package deliverytest

// RaceSlowdown stretches the tests' deadlines under the race detector, which
// slows the pure-Go SQLite driver down about tenfold.
const RaceSlowdown = 6
