// Package deeplink owns the netid:// link format that tells a wallet what
// to do, and its https "universal link" twin.
//
// A [Link] has two written forms:
//
//	netid://verify?platform=https%3A%2F%2Fnetid.example&code=k3J9xQ2pZ7vB1mN8
//	https://netid.example/wallet/verify?code=k3J9xQ2pZ7vB1mN8
//
// The first is what a QR code or a pasted link carries in the cross-device
// flow; the second opens the wallet on the same device from a browser (the
// platform serves a fallback page at that path). [Parse] reads both.
//
// # Strictness
//
// A wallet acts on a link it scanned from a stranger's screen, so [Parse]
// accepts one canonical spelling and nothing else: scheme, action and
// parameter names in lower case, no unknown, empty or repeated parameters,
// no path, fragment, userinfo or port on the netid:// form, and at most
// [MaxLen] bytes. The platform must be an absolute https URL (http only for
// a loopback host, for development) in canonical form: lower-case ASCII
// host (so no look-alike Unicode host names), no userinfo, query or
// fragment, no trailing slash or dot segments. Because there is one
// spelling, a wallet can compare the platform against its list of trusted
// platforms byte for byte. Every error wraps [ErrInvalid]; an action this
// version does not know also wraps [ErrUnknownAction], so a wallet can ask
// the person to update instead of calling the link broken. Errors never
// quote the code.
//
// net/url alone is not strict enough (url.ParseQuery drops empty
// parameters, keeps repeats, and decodes "+" in places where it is
// ambiguous), so the query is split and checked here.
//
// # Adding an action
//
// Each action is a row in the actions table in deeplink.go, listing the
// parameters it takes. A new action ("eid", …) adds a constant and a row;
// one that needs a parameter other than platform and code also adds a
// field to [Link] and a case to the parameter switch in String and Parse.
package deeplink
