package cli

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// profileHandler serves Go's runtime profiles (net/http/pprof) under
// /debug/pprof/, for an operator's `go tool pprof`: the index, the named
// profiles (heap, allocs, goroutine, block, mutex, threadcreate), a CPU
// profile (profile?seconds=N), an execution trace (trace?seconds=N) and
// symbol lookup. The process's command line is not served: it may hold a
// secret given as a flag. None of these holds request data: profiles are
// stacks, counts and sizes.
func profileHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/cmdline", http.NotFound)
	return mux
}

// profileServer serves profileHandler. It has no write timeout: a CPU
// profile or a trace answers after the seconds asked for.
func profileServer(log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           profileHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// listenProfiles opens the profiles' listener on addr (empty: none).
func listenProfiles(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on --profile-addr %s: %w", addr, err)
	}
	return ln, nil
}
