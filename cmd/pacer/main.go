// Command pacer is the Pacer Slack bot, its LinkedIn executor and its
// integrations, with the commands that set them up. Commands only wire: the
// work is in the packages they call.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// exitError carries an exit status other than 1 (e.g. 2, "cannot tell").
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// run executes the command line and returns the exit status. Errors are
// printed as one block naming the problem; never a stack trace.
func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var exit *exitError
	if errors.As(err, &exit) {
		if exit.err != nil {
			fmt.Fprintln(os.Stderr, "pacer:", exit.err)
		}
		return exit.code
	}
	fmt.Fprintln(os.Stderr, "pacer:", err)
	return 1
}
