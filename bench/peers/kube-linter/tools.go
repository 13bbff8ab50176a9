//go:build tools

// Package peers pins kube-linter for the benchmark harness (bench/peers.py).
// Built with `go install golang.stackrox.io/kube-linter/cmd/kube-linter`
// from this folder when `go install ...@version` cannot fetch the module by
// its vanity path; the replace in go.mod names the same source by its
// repository path. go.sum pins every dependency.
package peers

import _ "golang.stackrox.io/kube-linter/cmd/kube-linter"
