package strictjson

import (
	"encoding/json"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeGeneric decodes data into its generic form (Decode's) in one pass,
// under the same rules as Unmarshal with UseNumber into an any: it accepts
// and refuses exactly the inputs that Unmarshal does, with the same error
// Kind and, for a duplicate key, the same Field. It exists because the
// signed tokens netid verifies are decoded on every verification, and a
// token scan followed by encoding/json costs about as much as a P-256
// signature check. The differential fuzz target FuzzGeneric holds it to
// the token scan (referenceUnmarshal, in the tests).
func decodeGeneric(data []byte) (any, error) {
	return parse(data, true)
}

// validate checks data as decodeGeneric does, with the same errors, but
// builds nothing: Unmarshal runs it before encoding/json decodes data into
// the caller's value.
func validate(data []byte) error {
	_, err := parse(data, false)
	return err
}

// parse is decodeGeneric, building the value only if keep is set.
func parse(data []byte, keep bool) (any, error) {
	if !utf8.Valid(data) {
		// Unmarshal refuses empty input first; valid UTF-8 does not matter
		// to that, but the order of the two checks does.
		if isBlank(data) {
			return nil, &Error{Kind: ErrEmpty}
		}
		return nil, &Error{Kind: ErrMalformed}
	}
	// One conversion of the whole input, of which unescaped strings and
	// numbers are substrings: one allocation instead of one per value.
	st := stackPool.Get().(*stacks)
	defer st.put()
	p := parser{data: data, src: string(data), stacks: st, keep: keep}
	p.skipSpace()
	if p.i == len(data) {
		return nil, &Error{Kind: ErrEmpty}
	}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(data) {
		return nil, &Error{Kind: ErrTrailingData, Offset: int64(p.i)}
	}
	if p.surrogate != nil {
		// Unmarshal checks surrogates after the whole structure, so an
		// input with both a structural fault and a lone surrogate reports
		// the structural fault.
		return nil, p.surrogate
	}
	return v, nil
}

func isBlank(data []byte) bool {
	for _, c := range data {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

type parser struct {
	data []byte
	src  string // data as a string
	i    int
	// surrogate is the first lone-surrogate escape met, reported only if
	// the input is otherwise well formed.
	surrogate *Error
	// keep: build the values parsed (Decode); without it the parser only
	// checks (validate), and every value it returns is nil.
	keep bool
	*stacks
}

// stacks are where object and array gather what they parse, reused from
// one decoding to the next (stackPool): the maps and slices Decode
// returns are allocated once each, at their size.
type stacks struct {
	members []member
	elems   []any
}

var stackPool = sync.Pool{New: func() any { return new(stacks) }}

// maxPooled bounds the stacks kept for reuse, so that one wide input does
// not pin its memory.
const maxPooled = 1024

// put returns st to the pool, empty; object and array clear what they
// pushed when they return, so it holds no reference to a decoded value.
func (st *stacks) put() {
	if cap(st.members) > maxPooled || cap(st.elems) > maxPooled {
		return
	}
	st.members, st.elems = st.members[:0], st.elems[:0]
	stackPool.Put(st)
}

func (p *parser) malformed() error {
	return &Error{Kind: ErrMalformed, Offset: int64(p.i)}
}

func (p *parser) skipSpace() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// value parses one value at p.i (white space already skipped); depth is
// the number of objects and arrays open around it.
func (p *parser) value(depth int) (any, error) {
	if p.i >= len(p.data) {
		return nil, p.malformed()
	}
	switch c := p.data[p.i]; {
	case c == '{':
		if depth >= MaxDepth {
			return nil, &Error{Kind: ErrTooDeep, Offset: int64(p.i + 1)}
		}
		return p.object(depth + 1)
	case c == '[':
		if depth >= MaxDepth {
			return nil, &Error{Kind: ErrTooDeep, Offset: int64(p.i + 1)}
		}
		return p.array(depth + 1)
	case c == '"':
		s, err := p.string()
		if err != nil || !p.keep {
			return nil, err
		}
		return s, nil
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.malformed()
}

func (p *parser) literal(word string) error {
	if !strings.HasPrefix(string(p.data[p.i:min(len(p.data), p.i+len(word))]), word) {
		return p.malformed()
	}
	p.i += len(word)
	return nil
}

// smallObject is the number of members up to which duplicate keys are
// looked for by comparing with every earlier key; larger objects use a
// map of folded keys.
const smallObject = 16

// member is an object member parsed but not yet put in its map.
type member struct {
	key   string
	value any
}

// object parses an object. Its members are gathered on p.members (shared
// by the objects nested in it, each using the stack above its parent's
// members) and put in a map of the right size once the object is closed,
// so that the map is allocated once instead of grown member by member.
func (p *parser) object(depth int) (any, error) {
	p.i++ // '{'
	p.skipSpace()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		if !p.keep {
			return nil, nil
		}
		return make(map[string]any), nil
	}
	base := len(p.members)
	defer func() {
		clear(p.members[base:])
		p.members = p.members[:base]
	}()
	var folded map[string]int // folded keys, once the object is not small
	for {
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil, p.malformed()
		}
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		if folded == nil {
			for _, m := range p.members[base:] {
				if strings.EqualFold(m.key, key) {
					return nil, &Error{Kind: ErrDuplicateKey, Field: key, Offset: int64(p.i)}
				}
			}
			if len(p.members)-base >= smallObject {
				folded = make(map[string]int, 2*(len(p.members)-base+1))
				for _, m := range p.members[base:] {
					folded[foldKey(m.key)] = 0
				}
				folded[foldKey(key)] = 0
			}
		} else {
			fk := foldKey(key)
			if _, dup := folded[fk]; dup {
				return nil, &Error{Kind: ErrDuplicateKey, Field: key, Offset: int64(p.i)}
			}
			folded[fk] = 0
		}
		p.skipSpace()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil, p.malformed()
		}
		p.i++
		p.skipSpace()
		at := len(p.members)
		p.members = append(p.members, member{key: key})
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		p.members[at].value = v
		p.skipSpace()
		if p.i >= len(p.data) {
			return nil, p.malformed()
		}
		switch p.data[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case '}':
			p.i++
			if !p.keep {
				return nil, nil
			}
			ms := p.members[base:]
			m := make(map[string]any, len(ms))
			for _, e := range ms {
				m[e.key] = e.value
			}
			return m, nil
		default:
			return nil, p.malformed()
		}
	}
}

// array parses an array, gathering its elements on p.elems as object
// gathers members, so that its slice is allocated once at its length.
func (p *parser) array(depth int) (any, error) {
	p.i++ // '['
	p.skipSpace()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		if !p.keep {
			return nil, nil
		}
		return make([]any, 0), nil
	}
	base := len(p.elems)
	defer func() {
		clear(p.elems[base:])
		p.elems = p.elems[:base]
	}()
	for {
		at := len(p.elems)
		p.elems = append(p.elems, nil)
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		p.elems[at] = v
		p.skipSpace()
		if p.i >= len(p.data) {
			return nil, p.malformed()
		}
		switch p.data[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case ']':
			p.i++
			if !p.keep {
				return nil, nil
			}
			a := make([]any, len(p.elems)-base)
			copy(a, p.elems[base:])
			return a, nil
		default:
			return nil, p.malformed()
		}
	}
}

// number parses a number by the JSON grammar (RFC 8259 §6) and keeps its
// text, as json.Number.
func (p *parser) number() (any, error) {
	d, start := p.data, p.i
	i := p.i
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		p.i = i
		return nil, p.malformed()
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			p.i = i
			return nil, p.malformed()
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			p.i = i
			return nil, p.malformed()
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	p.i = i
	if !p.keep {
		return nil, nil
	}
	return json.Number(p.src[start:i]), nil
}

// string parses a string at p.i (a '"'); the input is valid UTF-8.
func (p *parser) string() (string, error) {
	d := p.data
	p.i++ // '"'
	start := p.i
	// The common case: no escapes.
	for i := start; i < len(d); i++ {
		switch c := d[i]; {
		case c == '"':
			p.i = i + 1
			return p.src[start:i], nil
		case c == '\\':
			return p.escapedString(start)
		case c < 0x20:
			p.i = i
			return "", p.malformed()
		}
	}
	p.i = len(d)
	return "", p.malformed()
}

func (p *parser) escapedString(start int) (string, error) {
	d := p.data
	b := make([]byte, 0, len(d)-start)
	for i := start; i < len(d); {
		c := d[i]
		switch {
		case c == '"':
			p.i = i + 1
			return string(b), nil
		case c < 0x20:
			p.i = i
			return "", p.malformed()
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		// An escape.
		if i+1 >= len(d) {
			p.i = len(d)
			return "", p.malformed()
		}
		esc := d[i+1]
		switch esc {
		case '"', '\\', '/':
			b = append(b, esc)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hex4(d[i+2:])
			if r < 0 {
				p.i = i + 2
				return "", p.malformed()
			}
			at := i
			i += 6
			switch {
			case r >= 0xD800 && r <= 0xDBFF:
				lo := rune(-1)
				if i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
					lo = hex4(d[i+2:])
				}
				if lo >= 0xDC00 && lo <= 0xDFFF {
					r = utf16.DecodeRune(r, lo)
					i += 6
				} else {
					p.lone(at)
					r = utf8.RuneError
				}
			case r >= 0xDC00 && r <= 0xDFFF:
				p.lone(at)
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			p.i = i + 1
			return "", p.malformed()
		}
		i += 2
	}
	p.i = len(d)
	return "", p.malformed()
}

// lone records a lone surrogate escape at offset at.
func (p *parser) lone(at int) {
	if p.surrogate == nil {
		p.surrogate = &Error{Kind: ErrMalformed, Offset: int64(at)}
	}
}
