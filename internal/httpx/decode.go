package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/netid-project/netid/internal/strictjson"
)

// Sentinel errors of strict decoding: the strictjson sentinels under the
// names this package has always used, and two of its own. Problems from
// [DecodeJSON] unwrap to one of them.
var (
	// ErrEmpty: the input holds no JSON value (empty or only whitespace).
	ErrEmpty = strictjson.ErrEmpty
	// ErrMalformed: the input is not valid JSON or not valid UTF-8.
	ErrMalformed = strictjson.ErrMalformed
	// ErrTooDeep: objects and arrays nest deeper than strictjson.MaxDepth;
	// answered as malformed JSON.
	ErrTooDeep = strictjson.ErrTooDeep
	// ErrUnknownField: an object has a member the target struct lacks.
	ErrUnknownField = strictjson.ErrUnknownField
	// ErrDuplicateKey: an object has the same key twice (compared after
	// unescaping and ignoring letter case).
	ErrDuplicateKey = strictjson.ErrDuplicateKey
	// ErrTrailingData: something other than whitespace follows the value.
	ErrTrailingData = strictjson.ErrTrailingData
	// ErrWrongType: a JSON value has a type the target cannot hold.
	ErrWrongType = strictjson.ErrWrongType
	// ErrInvalidValue: the target type's own UnmarshalJSON or UnmarshalText
	// rejected a value.
	ErrInvalidValue = strictjson.ErrInvalidValue
	// ErrTooLarge: the request body is over the limit.
	ErrTooLarge = errors.New("httpx: request body too large")
	// ErrContentType: the request Content-Type is not application/json.
	ErrContentType = errors.New("httpx: unsupported content type")
)

// DefaultMaxBodyBytes is the body limit DecodeJSON uses when given a
// maxBytes of zero or less.
const DefaultMaxBodyBytes = 1 << 20

// DecodeJSON reads the request body as one JSON value into v under the rules
// of [strictjson.Unmarshal] (unknown fields, duplicate keys at any depth and
// trailing data refused), after checking that the Content-Type is
// application/json (a charset parameter is allowed if it is utf-8) and that
// the body is at most maxBytes long (the body is wrapped with
// http.MaxBytesReader, so the server closes the connection after an
// oversized body).
//
// Every error it returns is a *Problem (400, 413 or 415) that unwraps to one
// of the sentinel errors; pass it to WriteError.
func DecodeJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, v any) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBodyBytes
	}
	if !isJSONContentType(r.Header.Get("Content-Type")) {
		return UnsupportedMediaType(ContentTypeJSON)
	}
	if r.ContentLength > maxBytes {
		return BodyTooLarge(maxBytes)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return EmptyBody()
	}
	body := http.MaxBytesReader(w, r.Body, maxBytes)
	err := strictjson.Read(body, maxBytes, v)
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok || errors.Is(err, strictjson.ErrTooLarge) {
		return BodyTooLarge(maxBytes)
	}
	if _, ok := errors.AsType[*strictjson.Error](err); !ok {
		if _, ok := errors.AsType[*json.InvalidUnmarshalError](err); !ok {
			return MalformedJSON().withCause(fmt.Errorf("%w: reading body: %w", ErrMalformed, err))
		}
	}
	return problemFor(err)
}

// problemFor maps a strictjson error to its problem.
func problemFor(err error) *Problem {
	de, ok := errors.AsType[*strictjson.Error](err)
	if !ok {
		// Only a programming error gets here (v not a non-nil pointer).
		return Internal().withCause(err)
	}
	var p *Problem
	switch de.Kind {
	case ErrEmpty:
		p = EmptyBody()
	case ErrUnknownField:
		p = UnknownField(de.Field)
	case ErrDuplicateKey:
		p = DuplicateKey(de.Field)
	case ErrTrailingData:
		p = TrailingData()
	case ErrWrongType:
		p = WrongType(de.Field, de.Expected)
	case ErrInvalidValue:
		p = InvalidValue()
	default:
		p = MalformedJSON()
	}
	return p.withCause(err)
}

// isJSONContentType reports whether ct is application/json with at most a
// utf-8 charset parameter.
func isJSONContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != ContentTypeJSON {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	return true
}
