package sqlite

import (
	"testing"

	"github.com/handover/handover/internal/load/loadtest"
)

func TestSQLiteConformance(t *testing.T) {
	loadtest.Run(t, loadtest.SQLite(Open))
}

func TestSQLiteFixup(t *testing.T) { loadtest.RunFixups(t, loadtest.SQLite(Open)) }

func TestSQLiteDelta(t *testing.T) { loadtest.RunDelta(t, loadtest.SQLite(Open)) }
