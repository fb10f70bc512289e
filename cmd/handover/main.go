// Command handover moves a customer's data out of their old system into a
// new one: see `handover --help`.
package main

import (
	"os"

	"github.com/handover/handover/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
