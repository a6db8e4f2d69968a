// Package netnum owns the 网号 (network ID number): its format, its check
// character and its random allocation.
//
// A 网号 is 16 characters from 0-9A-Z: 15 characters drawn uniformly at
// random followed by one check character computed with ISO/IEC 7064
// MOD 37,36, the standard's hybrid system for alphanumeric strings. The
// number is not derived from any identity document, so it carries no
// identity data and cannot be recomputed from a document number even by
// someone holding the platform's secrets; the platform keeps the
// person↔网号 mapping itself, through a blind index.
//
// ISO/IEC 7064 is a few lines of arithmetic and no library in the module
// graph implements it, so it is written here, with test vectors worked by
// hand in the tests.
//
// MOD 37,36 detects every single-character substitution but, being a
// hybrid system, not every adjacent transposition: swapping two characters
// whose values are consecutive (such as "7" and "8", or "Z" and "0") goes
// unnoticed when the running check state happens to make their sums 18 and
// 19 modulo 36, about one random transposition in 630. New therefore skips
// the rare candidates (about 2.5%) in which any adjacent transposition would
// go unnoticed, so every number it allocates detects every adjacent
// transposition. Parse still accepts any number whose check character is
// right.
package netnum
