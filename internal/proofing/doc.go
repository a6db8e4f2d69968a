// Package proofing is the application (申领) state machine: a person proves
// who they are from a legal identity document and ends with a 网号 and a
// device-bound 网证.
//
// The flow, one state per step (storage.ApplicationState):
//
//	document     chip data passes passive authentication and the number rules
//	relationship (minors) guardian relationship evidence
//	face         a trusted liveness attestation bound to the challenge,
//	             the application and the chip's face image
//	phone        an SMS code proves the phone number
//	password     the 网证口令 passes the pattern rules and is hashed
//	guardian     (14 to 17) the guardian confirms from their own wallet
//	device       the wallet proves possession of a new P-256 device key
//	issued       网号 allocated or found again; 网证 issued and bound
//
// Under 14 only a guardian who holds an active 网证 may start an application
// for the child; from 14 to 17 the minor applies and names the guardian, who
// confirms before issuance.
//
// Re-proofing (reproof.go) runs the same steps in another order for a
// person who holds a 网号: each kind first proves a factor that knowing the
// 网号 does not give (the SMS code to the linked phone, or the document's
// chip), and counts its password tries apart from the holder's own lockout.
//
// What comes from outside is behind small
// interfaces declared here (liveness verification, SMS codes, relationship
// evidence, signing keys), so the service is tested with real
// implementations and fakes alike.
//
// Personal data is sealed before it reaches storage and looked up only by
// blind index; errors returned here never carry personal data.
package proofing
