//go:build !race

package delivery_test

// raceSlowdown stretches the tests' deadlines under the race detector.
const raceSlowdown = 1
