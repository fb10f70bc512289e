package mysql

import (
	"testing"

	"github.com/handover/handover/internal/load/loadtest"
)

func TestConformance(t *testing.T) { loadtest.Run(t, loadtest.MySQL(Open)) }
func TestDelta(t *testing.T)       { loadtest.RunDelta(t, loadtest.MySQL(Open)) }
func TestFixups(t *testing.T)      { loadtest.RunFixups(t, loadtest.MySQL(Open)) }
