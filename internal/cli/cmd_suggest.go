package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

func (a *app) suggestCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "suggest FILE",
		Short:  "Draft a recipe for a delivery in the customer's own format",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE:   func(*cobra.Command, []string) error { return errors.New("suggest: not implemented yet") },
	}
}
