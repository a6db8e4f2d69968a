// Package cli implements the netid command's subcommands. Each subcommand
// parses its flags, calls the packages that do the work and reports
// failures as one line (never a stack trace, never personal data); main in
// cmd/netid only wires the process's standard streams and signals.
package cli
