package runner

// ProcessSpace is processSpace, for the tests of package runner_test that
// name runners of this host.
var ProcessSpace = processSpace
