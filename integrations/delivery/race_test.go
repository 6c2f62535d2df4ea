//go:build race

package delivery_test

// raceSlowdown stretches the tests' deadlines under the race detector, which
// slows the pure-Go SQLite driver down about tenfold.
const raceSlowdown = 6
