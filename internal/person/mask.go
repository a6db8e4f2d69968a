package person

import "strings"

// MaskName masks a name for those who may see only part of it (a
// guardian's list of wards and requests, an in-person verifier): the first
// character, then '*' for each hidden character, then the last character
// if the name has three or more characters. A name of one character is all
// '*', so no name is ever shown whole. Characters are Unicode code points;
// invalid UTF-8 counts byte by byte.
func MaskName(name string) string {
	r := []rune(name)
	switch n := len(r); {
	case n == 0:
		return ""
	case n == 1:
		return "*"
	case n == 2:
		return string(r[0]) + "*"
	default:
		return string(r[0]) + strings.Repeat("*", n-2) + string(r[n-1])
	}
}
