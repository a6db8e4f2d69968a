package credential

import (
	"fmt"

	"github.com/netid-project/netid/internal/suite"
)

// processed is the result of RFC 9901 §7.1 step 3 on an issuer-signed
// payload: the claims with every disclosure substituted and every _sd,
// "..." placeholder and _sd_alg removed.
type processed struct {
	claims map[string]any
	// topLevel maps each top-level claim that came from a disclosure to
	// that disclosure's digest.
	topLevel map[string]string
	// children maps the digest of a disclosure ("" for the payload itself)
	// to the digests of the disclosures referenced directly inside it;
	// nil unless process was asked for it.
	children map[string][]string
}

// smallSet is the number of digests up to which process finds a digest
// among the disclosures, and a repeated digest among those met, by
// comparing with each; beyond it, maps.
const smallSet = 16

type processor struct {
	discs []Disclosure
	// byDigest indexes discs by digest when there are more than smallSet.
	byDigest map[string]int
	used     []bool // by index in discs
	// seen is every digest met in the payload or a disclosure; seenSet
	// holds them instead once there are more than smallSet.
	seen    []string
	seenSet map[string]struct{}
	out     *processed
}

// process applies the disclosures to payload, enforcing the RFC 9901 rules:
// a digest may occur only once, every disclosure must be referenced, a
// disclosed name must not be "_sd" or "..." or collide with a claim at the
// same level, object-property disclosures only in _sd and array-element
// disclosures only in {"...": digest}. It works in place: payload and the
// disclosures' values become the processed claims, so both must be the
// caller's to give (freshly decoded), and the disclosures' digests must
// be set. The payload's _sd_alg (sha-256 when absent, RFC 9901 §4.1.1)
// must be st's, the suite whose hash made those digests. children asks
// for processed.children, which only a holder choosing what to present
// needs.
func process(payload map[string]any, discs []Disclosure, st suite.Suite, children bool) (*processed, error) {
	alg, err := sdAlg(payload)
	if err != nil {
		return nil, err
	}
	if alg != st.SDAlg() {
		return nil, fmt.Errorf("%w: _sd_alg %q, want %q", ErrUnsupported, clip(alg), st.SDAlg())
	}
	delete(payload, "_sd_alg")
	p := &processor{
		discs: discs,
		used:  make([]bool, len(discs)),
		out:   &processed{topLevel: make(map[string]string, len(discs))},
	}
	if children {
		p.out.children = make(map[string][]string)
	}
	if len(discs) > smallSet {
		p.byDigest = make(map[string]int, len(discs))
		for i := range discs {
			p.byDigest[discs[i].Digest] = i
		}
	}
	if err := p.object(payload, "", true); err != nil {
		return nil, err
	}
	for i, used := range p.used {
		if !used {
			return nil, fmt.Errorf("%w: disclosure %d is not referenced by any digest", ErrMalformed, i)
		}
	}
	p.out.claims = payload
	return p.out, nil
}

// defaultSDAlg is the _sd_alg of an SD-JWT without one (RFC 9901 §4.1.1).
const defaultSDAlg = "sha-256"

// sdAlg returns the issuer-signed payload's _sd_alg, or defaultSDAlg.
func sdAlg(payload map[string]any) (string, error) {
	v, ok := payload["_sd_alg"]
	if !ok {
		return defaultSDAlg, nil
	}
	alg, isString := v.(string)
	if !isString {
		return "", fmt.Errorf("%w: _sd_alg is not a string", ErrMalformed)
	}
	return alg, nil
}

// holderSuite is the suite of an issuer-signed payload's _sd_alg, for the
// holder, who reads a credential without verifying it: whichever of the
// suites' hashes the issuer chose.
func holderSuite(payload map[string]any) (suite.Suite, error) {
	alg, err := sdAlg(payload)
	if err != nil {
		return suite.Suite{}, err
	}
	st, ok := suite.ForSDAlg(alg)
	if !ok {
		return suite.Suite{}, fmt.Errorf("%w: _sd_alg %q", ErrUnsupported, clip(alg))
	}
	return st, nil
}

// clip shortens s, a value from outside, for an error message.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// value processes v in place and returns it (an array may have become
// shorter).
func (p *processor) value(v any, parent string) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		return t, p.object(t, parent, false)
	case []any:
		return p.array(t, parent)
	}
	return v, nil
}

// object processes obj in place: its _sd is replaced by the claims it
// discloses.
func (p *processor) object(obj map[string]any, parent string, top bool) error {
	for k, v := range obj {
		switch k {
		case "_sd":
			continue
		case "_sd_alg":
			return fmt.Errorf("%w: _sd_alg below the top level", ErrMalformed)
		}
		switch v.(type) {
		case map[string]any, []any:
			pv, err := p.value(v, parent)
			if err != nil {
				return err
			}
			obj[k] = pv
		}
	}
	raw, ok := obj["_sd"]
	if !ok {
		return nil
	}
	delete(obj, "_sd")
	list, ok := raw.([]any)
	if !ok {
		return fmt.Errorf("%w: _sd is not an array", ErrMalformed)
	}
	for _, e := range list {
		dg, ok := e.(string)
		if !ok {
			return fmt.Errorf("%w: _sd holds a non-string digest", ErrMalformed)
		}
		d, err := p.reference(dg, parent)
		if err != nil {
			return err
		}
		if d == nil {
			continue // a decoy, or a claim the holder did not disclose
		}
		if d.ArrayElement {
			return fmt.Errorf("%w: array-element disclosure referenced from _sd", ErrMalformed)
		}
		if _, exists := obj[d.Name]; exists {
			return fmt.Errorf("%w: disclosed claim %q collides with an existing claim", ErrMalformed, d.Name)
		}
		pv, err := p.value(d.Value, d.Digest)
		if err != nil {
			return err
		}
		obj[d.Name] = pv
		if top {
			p.out.topLevel[d.Name] = d.Digest
		}
	}
	return nil
}

// array processes arr in place and returns it without the elements whose
// disclosures were not presented.
func (p *processor) array(arr []any, parent string) ([]any, error) {
	out := arr[:0] // written behind the element being read
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok && len(m) == 1 {
			if raw, ok := m["..."]; ok {
				dg, ok := raw.(string)
				if !ok {
					return nil, fmt.Errorf("%w: array element digest is not a string", ErrMalformed)
				}
				d, err := p.reference(dg, parent)
				if err != nil {
					return nil, err
				}
				if d == nil {
					continue
				}
				if !d.ArrayElement {
					return nil, fmt.Errorf("%w: object-property disclosure referenced from an array", ErrMalformed)
				}
				pv, err := p.value(d.Value, d.Digest)
				if err != nil {
					return nil, err
				}
				out = append(out, pv)
				continue
			}
		}
		pv, err := p.value(e, parent)
		if err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	clear(arr[len(out):])
	return out, nil
}

// reference records digest dg, met inside parent, and returns its
// disclosure (nil if none).
func (p *processor) reference(dg, parent string) (*Disclosure, error) {
	if err := p.see(dg); err != nil {
		return nil, err
	}
	i := p.find(dg)
	if i < 0 {
		return nil, nil
	}
	p.used[i] = true
	if p.out.children != nil {
		p.out.children[parent] = append(p.out.children[parent], dg)
	}
	return &p.discs[i], nil
}

var errDuplicateDigest = fmt.Errorf("%w: digest occurs more than once", ErrMalformed)

// see records dg among the digests met; a digest met before is an error.
func (p *processor) see(dg string) error {
	if p.seenSet != nil {
		if _, ok := p.seenSet[dg]; ok {
			return errDuplicateDigest
		}
		p.seenSet[dg] = struct{}{}
		return nil
	}
	for _, s := range p.seen {
		if s == dg {
			return errDuplicateDigest
		}
	}
	if len(p.seen) < smallSet {
		if p.seen == nil {
			p.seen = make([]string, 0, smallSet)
		}
		p.seen = append(p.seen, dg)
		return nil
	}
	p.seenSet = make(map[string]struct{}, 4*smallSet)
	for _, s := range p.seen {
		p.seenSet[s] = struct{}{}
	}
	p.seenSet[dg] = struct{}{}
	p.seen = nil
	return nil
}

// find returns the index in p.discs of the disclosure with digest dg, or
// -1.
func (p *processor) find(dg string) int {
	if p.byDigest != nil {
		if i, ok := p.byDigest[dg]; ok {
			return i
		}
		return -1
	}
	for i := range p.discs {
		if p.discs[i].Digest == dg {
			return i
		}
	}
	return -1
}
