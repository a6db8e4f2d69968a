package credential

import (
	"fmt"
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
	// to the digests of the disclosures referenced directly inside it.
	children map[string][]string
}

type processor struct {
	byDigest map[string]*Disclosure
	seen     map[string]bool // every digest met in the payload or a disclosure
	used     map[string]bool
	out      *processed
}

// process applies the disclosures to payload, enforcing the RFC 9901 rules:
// a digest may occur only once, every disclosure must be referenced, a
// disclosed name must not be "_sd" or "..." or collide with a claim at the
// same level, object-property disclosures only in _sd and array-element
// disclosures only in {"...": digest}.
func process(payload map[string]any, discs []Disclosure) (*processed, error) {
	if v, ok := payload["_sd_alg"]; ok {
		alg, isString := v.(string)
		if !isString {
			return nil, fmt.Errorf("%w: _sd_alg is not a string", ErrMalformed)
		}
		if alg != SDAlg {
			return nil, fmt.Errorf("%w: _sd_alg %q", ErrUnsupported, alg)
		}
	}
	p := &processor{
		byDigest: make(map[string]*Disclosure, len(discs)),
		seen:     make(map[string]bool),
		used:     make(map[string]bool, len(discs)),
		out: &processed{
			topLevel: make(map[string]string),
			children: make(map[string][]string),
		},
	}
	for i := range discs {
		p.byDigest[discs[i].Digest] = &discs[i]
	}
	top := make(map[string]any, len(payload))
	for k, v := range payload {
		if k != "_sd_alg" {
			top[k] = v
		}
	}
	claims, err := p.object(top, "", true)
	if err != nil {
		return nil, err
	}
	for i := range discs {
		if !p.used[discs[i].Digest] {
			return nil, fmt.Errorf("%w: disclosure %d is not referenced by any digest", ErrMalformed, i)
		}
	}
	p.out.claims = claims
	return p.out, nil
}

func (p *processor) value(v any, parent string) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		return p.object(t, parent, false)
	case []any:
		return p.array(t, parent)
	}
	return v, nil
}

func (p *processor) object(obj map[string]any, parent string, top bool) (map[string]any, error) {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		switch k {
		case "_sd":
			continue
		case "_sd_alg":
			return nil, fmt.Errorf("%w: _sd_alg below the top level", ErrMalformed)
		}
		pv, err := p.value(v, parent)
		if err != nil {
			return nil, err
		}
		out[k] = pv
	}
	raw, ok := obj["_sd"]
	if !ok {
		return out, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: _sd is not an array", ErrMalformed)
	}
	for _, e := range list {
		dg, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%w: _sd holds a non-string digest", ErrMalformed)
		}
		d, err := p.reference(dg, parent)
		if err != nil {
			return nil, err
		}
		if d == nil {
			continue // a decoy, or a claim the holder did not disclose
		}
		if d.ArrayElement {
			return nil, fmt.Errorf("%w: array-element disclosure referenced from _sd", ErrMalformed)
		}
		if _, exists := out[d.Name]; exists {
			return nil, fmt.Errorf("%w: disclosed claim %q collides with an existing claim", ErrMalformed, d.Name)
		}
		pv, err := p.value(d.Value, d.Digest)
		if err != nil {
			return nil, err
		}
		out[d.Name] = pv
		if top {
			p.out.topLevel[d.Name] = d.Digest
		}
	}
	return out, nil
}

func (p *processor) array(arr []any, parent string) ([]any, error) {
	out := make([]any, 0, len(arr))
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
	return out, nil
}

// reference records digest dg, met inside parent, and returns its
// disclosure (nil if none).
func (p *processor) reference(dg, parent string) (*Disclosure, error) {
	if p.seen[dg] {
		return nil, fmt.Errorf("%w: digest occurs more than once", ErrMalformed)
	}
	p.seen[dg] = true
	d := p.byDigest[dg]
	if d == nil {
		return nil, nil
	}
	p.used[dg] = true
	p.out.children[parent] = append(p.out.children[parent], dg)
	return d, nil
}
