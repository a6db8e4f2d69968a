// Package cputime reads the CPU time the process has used, all threads,
// user and system (getrusage), so that a benchmark or the load generator
// can state its cost in CPU time, which the load of other processes on a
// busy machine does not inflate as it does wall-clock time, and the minor
// page faults it has taken, a cost of memory handed back to the system
// that a CPU profile does not name.
package cputime
