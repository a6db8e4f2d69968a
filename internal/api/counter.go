package api

// Counter applications (柜台办理), POST /v1/counter/applications: a
// registered counter's terminal submits, signed with the counter's key,
// the chip data its reader read and the result of its own face check.

// CounterSubmissionRequest carries a counter's signed submission: a
// compact JWS of type counter.SubmissionType (kid the counter's ID).
type CounterSubmissionRequest struct {
	Submission string `json:"submission"`
}

// CounterApplication answers a CounterSubmissionRequest (201): the
// application as it stands, and either what the person's wallet needs to
// finish it (Token, and HandoverLink for a browser wallet) or, for a
// person without a smartphone, their 网号 (the application is then
// completed: a 网号 without a 网证).
type CounterApplication struct {
	Application
	// Counter is the counter's ID.
	Counter string `json:"counter"`
	// Token is the application's bearer token (shown once), for the
	// person's wallet: phone, 口令, device key.
	Token string `json:"token,omitempty"`
	// HandoverLink opens the application in the web wallet:
	// <public URL>/wallet/apply#app=<id>&token=<token>.
	HandoverLink string `json:"handover_link,omitempty"`
	// Wanghao is the person's 网号, when they finish without a wallet.
	Wanghao string `json:"wanghao,omitempty"`
}
