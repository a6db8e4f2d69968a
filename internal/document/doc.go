// Package document knows the seven legal identity document types (法定身份证件)
// of the Measures: their names, the rules of their numbers (GB 11643 with its
// ISO 7064 MOD 11-2 check character for citizen ID numbers and residence
// permits, and the formats of the travel permits, the foreigner's permanent
// residence ID and the passport), and the identity attributes a document's
// chip carries. Chip data and its passive authentication are in package
// document/chip.
package document
