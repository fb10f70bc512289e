package suggest

import (
	"context"
	"fmt"
	"testing"

	"github.com/handover/handover/internal/format"
)

func TestDbg(t *testing.T) {
	f, err := format.LoadFormat("../../examples/acme/format.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"kontakte.csv", "firmen.csv", "verkaeufe.csv"} {
		d, err := Suggest(context.Background(), "../../examples/acme/delivery/"+file, f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println(string(d.YAML()))
		for _, l := range d.Lookups {
			fmt.Println(l.Table, string(l.CSV()))
		}
	}
}
