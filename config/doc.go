// Package config loads Pacer's configuration: the team's set-up from a YAML
// file (accounts, campaigns, webhook endpoints) with environment variables
// overriding it (secrets and endpoints), and checks it with Validate so that
// every problem is reported at once, in words a person can act on.
//
// Secrets are held in the Secret type, which never prints its value: not in
// logs, not in errors, not in `pacer config check`.
package config
