package rp_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/netid-project/netid/rp"
)

func ExampleNew() {
	platformURL, _, stop := startDemoPlatform()
	defer stop()

	// Once, at start-up: fetch the platform's issuer keys.
	v, err := rp.New(context.Background(), platformURL)
	if err != nil {
		fmt.Println("netid unavailable:", err)
		return
	}
	_ = v // share v between requests: it caches keys and status lists
	fmt.Println("ready")
	// Output: ready
}

func ExampleVerifier_VerifyPresentation() {
	platformURL, wallet, stop := startDemoPlatform()
	defer stop()
	ctx := context.Background()
	v, err := rp.New(ctx, platformURL)
	if err != nil {
		fmt.Println("netid unavailable:", err)
		return
	}

	// The relying party asks the wallet for age_over_18, with its own
	// identifier as audience and a fresh nonce.
	want := rp.Expect{Audience: "https://shop.example.cn", Nonce: rand.Text()}
	presentation := wallet.Present(want.Audience, want.Nonce, "age_over_18")

	p, err := v.VerifyPresentation(ctx, presentation, want)
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	fmt.Println("adult:", p.Claims["age_over_18"] == true)
	fmt.Println("disclosed:", slices.Sorted(maps.Keys(p.Claims)))

	// The same presentation a second time is refused.
	_, err = v.VerifyPresentation(ctx, presentation, want)
	fmt.Println("replay refused:", errors.Is(err, rp.ErrReplay))
	// Output:
	// adult: true
	// disclosed: [age_over_18]
	// replay refused: true
}
