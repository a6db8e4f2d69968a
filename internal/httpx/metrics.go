package httpx

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics records Prometheus metrics of the requests passing its
// Middleware, labelled by route pattern (see the package documentation),
// normalised method and status code:
//
//	netid_http_requests_total{route,method,code}            counter
//	netid_http_request_duration_seconds{route,method,code}  histogram
//	netid_http_requests_in_flight                           gauge
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewMetrics creates the metrics and registers them in reg; a nil reg
// registers nothing. Like prometheus.MustRegister it panics if they are
// already registered in reg, which is a programming error.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	labels := []string{"route", "method", "code"}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "netid", Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests served, by route pattern, method and status code.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "netid", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route pattern, method and status code.",
			Buckets: prometheus.DefBuckets,
		}, labels),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "netid", Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration, m.inFlight)
	}
	return m
}

// Middleware records every request served by next. A request whose handler
// panics past Recover is not recorded.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		holder, r := withRoute(r)
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		lv := []string{holder.label(r), method(r), strconv.Itoa(rec.code())}
		m.requests.WithLabelValues(lv...).Inc()
		m.duration.WithLabelValues(lv...).Observe(time.Since(start).Seconds())
	})
}
