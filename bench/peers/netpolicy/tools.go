//go:build tools

// Package peers pins netpol-analyzer's `netpolicy` command for the benchmark
// harness (bench/peers.py); go.sum pins every dependency.
package peers

import _ "github.com/np-guard/netpol-analyzer/cmd/netpolicy"
