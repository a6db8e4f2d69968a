package api

// HelpPath is where the platform publishes the help its operator
// configured (GET, no authentication).
const HelpPath = "/v1/help"

// ExtHelp is the problem member carrying Help, on the problems a person
// cannot resolve alone (a locked password, an operator's suspension, an
// expired document, a suspended or expired credential).
const ExtHelp = "help"

// Help is where a person gets help from a person: the operator's text in
// the request's language, a hotline to call and a page that finds a
// service office. Members the operator did not configure are omitted; an
// empty object means no help is configured.
type Help struct {
	Text       string `json:"text,omitempty"`
	Hotline    string `json:"hotline,omitempty"`
	OfficesURL string `json:"offices_url,omitempty"`
}
