package httpx

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func TestMetrics(t *testing.T) {
	t.Run("Route", func(t *testing.T) { testMetrics(t, true) })
	// Without Route the Pattern the mux sets on the request passed down is
	// read; AccessLog outside shares the route holder.
	t.Run("fallback", func(t *testing.T) { testMetrics(t, false) })
}

func testMetrics(t *testing.T, useRoute bool) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	h := newTestServer(t, useRoute, RequestID, AccessLog(discardLogger()), m.Middleware, Recover(discardLogger()), SecurityHeaders)
	for _, target := range []string{"/v1/persons/a", "/v1/persons/b", "/v1/persons/missing", "/v1/persons/panic", "/nowhere/110101199003077777"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("DELETE", "/v1/persons/a", nil))

	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{
		`netid_http_requests_total{code="200",method="GET",route="GET /v1/persons/{id}"} 2`,
		`netid_http_requests_total{code="404",method="GET",route="GET /v1/persons/{id}"} 1`,
		`netid_http_requests_total{code="500",method="GET",route="GET /v1/persons/{id}"} 1`,
		`netid_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`netid_http_requests_total{code="405",method="DELETE",route="unmatched"} 1`,
		`netid_http_request_duration_seconds_count{code="200",method="GET",route="GET /v1/persons/{id}"} 2`,
		`netid_http_requests_in_flight 0`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(out, "110101199003077777") || strings.Contains(out, "/v1/persons/a") {
		t.Error("a raw path reached the metrics")
	}
}

func TestNewMetricsTwicePanics(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewMetrics(reg)
	NewMetrics(nil) // registers nothing
	defer func() {
		if recover() == nil {
			t.Error("registering twice did not panic")
		}
	}()
	NewMetrics(reg)
}
