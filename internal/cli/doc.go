// Package cli implements the netid command's subcommands. Each subcommand
// parses its flags, reads secrets from files, the environment or the
// terminal, calls the packages that do the work and prints the outcome;
// failures are reported as one line (never a stack trace, never personal
// data). The holder's flows live in package wallet, which asks the person
// through a wallet.Prompter: here, the terminal type (prompter.go). The
// admin commands open a data directory with platform.OpenCore only.
// main in cmd/netid only wires the process's standard streams and signals.
package cli
