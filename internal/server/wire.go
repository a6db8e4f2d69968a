package server

// The server decodes requests into package api's types and encodes its
// answers from them; the domain packages return domain values, and the
// wire_*.go files map them, one file per route group. Each enumeration has
// one table from domain (or storage) constants to api constants, which
// wire_enums_test.go checks against every constant the domain declares.

// toAPI maps a domain value to its api value through table. A value the
// table lacks goes out as it is: the tests keep every domain constant in
// its table, so only values stored by earlier versions (verification
// records are history) take that path.
func toAPI[D, A ~string](table map[D]A, d D) A {
	if a, ok := table[d]; ok {
		return a
	}
	return A(d)
}

// toAPIList maps a list with toAPI; nil stays nil (JSON null).
func toAPIList[D, A ~string](table map[D]A, ds []D) []A {
	if ds == nil {
		return nil
	}
	out := make([]A, len(ds))
	for i, d := range ds {
		out[i] = toAPI(table, d)
	}
	return out
}

// fromAPI maps an api value read from a request to its domain value; ok
// is false for a value no domain constant maps to.
func fromAPI[D, A ~string](table map[D]A, a A) (d D, ok bool) {
	for d, v := range table {
		if v == a {
			return d, true
		}
	}
	return d, false
}
