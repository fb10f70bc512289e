package state

import (
	"context"
	"sync"
	"testing"
	"time"
)

// testClaims: of processes claiming one key at once, one gets it; a live
// claim holds until released or past its ttl; a claim of a process of
// this host that is gone is taken over at once; a release never deletes
// a claim that has passed to another process.
func testClaims(t *testing.T, dsn string) {
	ctx := context.Background()
	clk := newClock()
	open := func() *Store { return openWith(t, dsn, Options{Migration: "acme", Now: clk.Now}) }
	const ttl = time.Minute

	// many processes (stores, each its own connections) at once
	stores := make([]*Store, 8)
	for i := range stores {
		stores[i] = open()
	}
	var wg sync.WaitGroup
	won := make(chan int, len(stores))
	for i, s := range stores {
		wg.Go(func() {
			_, ok, err := s.Claim(ctx, "race", ttl)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won <- i
			}
		})
	}
	wg.Wait()
	close(won)
	if n := len(won); n != 1 {
		t.Fatalf("%d of %d concurrent claims won, want 1", n, len(stores))
	}

	a, b := stores[0], stores[1]
	releaseA, ok, err := a.Claim(ctx, "k", ttl)
	if err != nil || !ok {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if _, ok, err := b.Claim(ctx, "k", ttl); err != nil || ok {
		t.Fatalf("claim of a held key: %v %v, want refused", ok, err)
	}
	if err := releaseA(ctx); err != nil {
		t.Fatal(err)
	}
	releaseB, ok, err := b.Claim(ctx, "k", ttl)
	if err != nil || !ok {
		t.Fatalf("claim after the release: %v %v", ok, err)
	}
	clk.Add(ttl - time.Second)
	if _, ok, _ := a.Claim(ctx, "k", ttl); ok {
		t.Fatal("a claim younger than its ttl was taken over")
	}
	clk.Add(2 * time.Second)
	releaseA, ok, err = a.Claim(ctx, "k", ttl)
	if err != nil || !ok {
		t.Fatalf("claim past the ttl: %v %v", ok, err)
	}
	if err := releaseB(ctx); err != nil { // b's claim has passed to a
		t.Fatal(err)
	}
	if _, ok, _ := b.Claim(ctx, "k", ttl); ok {
		t.Fatal("the stale holder's release deleted the claim that took over")
	}
	releaseA(ctx)

	// held by a process of this host that is gone; by a live one elsewhere
	for _, tc := range []struct {
		host string
		want bool
	}{{a.host, true}, {"elsewhere.example", false}} {
		v := `{"holder":"x","host":"` + tc.host + `","pid":99999999,"token":"ab"}`
		if err := a.SetFact(ctx, "dead", v, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := b.Claim(ctx, "dead", ttl); err != nil || ok != tc.want {
			t.Errorf("claim held by pid %d on %s: %v %v, want %v", deadPID, tc.host, ok, err, tc.want)
		}
		a.DeleteFact(ctx, "dead")
	}
}
