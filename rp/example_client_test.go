package rp_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/netid-project/netid/rp"
)

func ExampleClient_CreateSession() {
	platformURL, wallet, stop := startDemoSessionAPI()
	defer stop()
	ctx := context.Background()

	// Once, at start-up: the client ID and secret from the registration
	// (netid admin rp add).
	c, err := rp.NewClient(platformURL, "shop", rp.ClientSecret(demoSecret))
	if err != nil {
		fmt.Println(err)
		return
	}

	// Per verification: create a session and show its QR code (s.QRURL,
	// an <img> src the platform renders on demand) or, on a phone, its
	// link.
	s, err := c.CreateSession(ctx, rp.SessionRequest{
		Claims:  []string{"age_over_18"},
		Purpose: "购买需年满18岁的商品",
	})
	if err != nil {
		fmt.Println("netid unavailable:", err)
		return
	}
	fmt.Println("link:", strings.HasPrefix(s.Link, "netid://verify?"))
	fmt.Println("QR code:", strings.HasPrefix(s.QRURL, platformURL+"/v1/verifications/"))

	// The person scans the QR code and approves in their wallet.
	wallet.Approve(s.Link)

	// Wait polls until the session ends and verifies the signed result.
	r, err := c.Wait(ctx, s.ID, 100*time.Millisecond)
	switch {
	case errors.Is(err, rp.ErrDeclined):
		fmt.Println("the person declined")
		return
	case err != nil:
		fmt.Println("not verified:", err)
		return
	}
	fmt.Println("level:", r.Level)
	fmt.Println("adult:", r.Claims["age_over_18"] == true)
	fmt.Println("provided:", slices.Sorted(maps.Keys(r.Claims)))
	fmt.Println("account key:", r.Subject != "") // pairwise: the same person, the same sub, here only
	// Output:
	// link: true
	// QR code: true
	// level: possession
	// adult: true
	// provided: [age_over_18 sub verified]
	// account key: true
}

func ExampleVerifier_VerifyResult() {
	platformURL, wallet, stop := startDemoSessionAPI()
	defer stop()
	ctx := context.Background()
	c, err := rp.NewClient(platformURL, "shop", rp.ClientSecret(demoSecret))
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := c.CreateSession(ctx, rp.SessionRequest{Purpose: "登录"})
	if err != nil {
		fmt.Println(err)
		return
	}
	wallet.Approve(s.Link)
	st, err := c.Session(ctx, s.ID)
	if err != nil {
		fmt.Println(err)
		return
	}

	// A result that reached the relying party some other way (the
	// callback, a queue, an archive) is verified with the Verifier and the
	// session it must belong to.
	v, err := rp.New(ctx, platformURL)
	if err != nil {
		fmt.Println("netid unavailable:", err)
		return
	}
	r, err := v.VerifyResult(ctx, st.Result, rp.ResultExpect{ClientID: "shop", SessionID: s.ID})
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	fmt.Println("verified:", r.Claims["verified"], "at level", r.Level)

	// The same result is refused for another session, and for another
	// relying party.
	_, err = v.VerifyResult(ctx, st.Result, rp.ResultExpect{ClientID: "shop", SessionID: "another-session"})
	fmt.Println("another session:", errors.Is(err, rp.ErrSession))
	_, err = v.VerifyResult(ctx, st.Result, rp.ResultExpect{ClientID: "bank"})
	fmt.Println("another relying party:", errors.Is(err, rp.ErrAudience))
	// Output:
	// verified: true at level possession
	// another session: true
	// another relying party: true
}
