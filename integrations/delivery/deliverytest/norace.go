//go:build !race

package deliverytest

// RaceSlowdown stretches the tests' deadlines under the race detector.
const RaceSlowdown = 1
