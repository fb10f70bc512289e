// Command handover moves a customer's data out of their old system into a
// new one: see `handover --help`.
package main

import (
	"os"

	"github.com/handover/handover/internal/cli"
	"github.com/handover/handover/internal/wire"
)

func main() {
	b := cli.Backend{Service: wire.Service, Served: wire.Served, Accounts: wire.Accounts}
	os.Exit(cli.Main(b, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
