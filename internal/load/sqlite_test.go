package load

import (
	"testing"
)

func TestSQLiteConformance(t *testing.T) {
	runConformance(t, sqliteHarness())
}

func TestSQLiteFixup(t *testing.T) { runFixupConformance(t, sqliteHarness()) }

func TestSQLiteDelta(t *testing.T) { runDelta(t, sqliteHarness()) }
