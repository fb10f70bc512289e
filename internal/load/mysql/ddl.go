package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// ddl is one thing Begin created: a table, or the removed_at column of a
// table.
type ddl struct {
	Table  string `json:"table"`
	Column string `json:"column,omitempty"`
}

// pendingDDL names the handover_meta entry listing what an import that
// has not committed created.
const pendingDDL = "pending_ddl"

var bookkeeping = []struct{ name, create string }{
	{"handover_meta", "CREATE TABLE handover_meta (name VARCHAR(255) NOT NULL PRIMARY KEY, value LONGTEXT NOT NULL)" + tableOptions},
	{"handover_rows", "CREATE TABLE handover_rows (entity VARCHAR(255) NOT NULL, `key` VARCHAR(255) NOT NULL, " +
		"fingerprint BINARY(16) NOT NULL, target_id BIGINT NOT NULL, PRIMARY KEY (entity, `key`))" + tableOptions},
}

// tableOptions make text compare byte by byte, as keys must.
const tableOptions = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

// setup undoes what a killed import left, creates the bookkeeping and the
// missing target tables (checking the existing ones first), records what
// it created and starts the transaction.
func (x *tx) setup(ctx context.Context, ps []*core.Mapping) error {
	if err := x.recoverDDL(ctx); err != nil {
		return err
	}
	for _, b := range bookkeeping {
		if err := x.create(ctx, b.name, b.create); err != nil {
			return err
		}
	}
	missing, err := x.checkTables(ctx, ps)
	if err != nil {
		return err
	}
	for _, p := range missing {
		if err := x.create(ctx, p.Table, createTable(p)); err != nil {
			return err
		}
	}
	if err := x.setupRemovedAt(ctx, ps); err != nil {
		return err
	}
	if len(x.ddl) > 0 {
		list, _ := json.Marshal(x.ddl)
		if err := x.exec(ctx, "begin import: record created tables", "REPLACE INTO handover_meta (name, value) VALUES (?, ?)", pendingDDL, string(list)); err != nil {
			return err
		}
	}
	if err := x.exec(ctx, "begin import", "START TRANSACTION"); err != nil {
		return err
	}
	x.inTx = true
	// Deleted in the transaction: the record goes away with the commit.
	if err := x.exec(ctx, "begin import", "DELETE FROM handover_meta WHERE name = ?", pendingDDL); err != nil {
		return err
	}
	return x.checkSchemaVersion(ctx)
}

// create creates a table unless it exists, remembering that it did.
func (x *tx) create(ctx context.Context, table, create string) error {
	cols, err := x.tableColumns(ctx, table)
	if err != nil || len(cols) > 0 {
		return err
	}
	if err := x.exec(ctx, "begin import: create table "+table, create); err != nil {
		return err
	}
	x.ddl = append(x.ddl, ddl{Table: table})
	return nil
}

// checkTables checks the existing target tables against the format,
// refusing with every mismatch, and returns the mappings of missing tables.
func (x *tx) checkTables(ctx context.Context, ps []*core.Mapping) ([]*core.Mapping, error) {
	var missing []*core.Mapping
	var bad []load.TableMismatch
	for _, p := range ps {
		cols, err := x.tableColumns(ctx, p.Table)
		if err != nil {
			return nil, err
		}
		if len(cols) == 0 {
			missing = append(missing, p)
			continue
		}
		unique, err := x.uniqueOn(ctx, p.Table, p.Columns[p.KeyIndex])
		if err != nil {
			return nil, err
		}
		if problems := columnProblems(p, cols, unique); len(problems) > 0 {
			bad = append(bad, load.TableMismatch{Table: p.Table, Problems: problems})
		}
	}
	if len(bad) > 0 {
		return nil, &load.SchemaError{Tables: bad}
	}
	return missing, nil
}

// setupRemovedAt gives the table of every entity with removed: flag its
// removed_at column, checking an existing one.
func (x *tx) setupRemovedAt(ctx context.Context, ps []*core.Mapping) error {
	for _, p := range ps {
		if core.Policy(p.Entity) != format.RemovedFlag {
			continue
		}
		if err := core.CheckRemovedAtName(p); err != nil {
			return fmt.Errorf("begin import: %w", err)
		}
		cols, err := x.tableColumns(ctx, p.Table)
		if err != nil {
			return err
		}
		if c, ok := findColumn(cols, core.RemovedAtColumn); ok {
			if c.dataType != "datetime" && c.dataType != "timestamp" {
				return fmt.Errorf("begin import: table %s: column %s is %s, removed: flag needs datetime", p.Table, c.name, c.dataType)
			}
			continue
		}
		q := "ALTER TABLE " + quote(p.Table) + " ADD COLUMN " + quote(core.RemovedAtColumn) + " DATETIME(6) NULL"
		if err := x.exec(ctx, "begin import: add "+core.RemovedAtColumn+" to "+p.Table, q); err != nil {
			return err
		}
		x.ddl = append(x.ddl, ddl{Table: p.Table, Column: core.RemovedAtColumn})
	}
	return nil
}

// undoDDL drops what this Begin created, after the transaction rolled back.
func (x *tx) undoDDL(ctx context.Context) error {
	err := x.undo(ctx, x.ddl, false)
	if len(x.ddl) > 0 && !slices.Contains(x.ddl, ddl{Table: "handover_meta"}) {
		err = errors.Join(err, x.exec(ctx, "rollback: forget created tables", "DELETE FROM handover_meta WHERE name = ?", pendingDDL))
	}
	return err
}

// recoverDDL undoes what an import that never committed (a killed
// process) created, as its pending_ddl record lists.
func (x *tx) recoverDDL(ctx context.Context) error {
	cols, err := x.tableColumns(ctx, "handover_meta")
	if err != nil || len(cols) == 0 {
		return err
	}
	var list string
	err = x.conn.QueryRowContext(ctx, "SELECT value FROM handover_meta WHERE name = ?", pendingDDL).Scan(&list)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return x.t.fail("begin import: read created tables", err)
	}
	var pending []ddl
	if err := json.Unmarshal([]byte(list), &pending); err != nil {
		return fmt.Errorf("begin import: handover_meta %s: %w", pendingDDL, err)
	}
	if err := x.undo(ctx, pending, true); err != nil {
		return err
	}
	if slices.Contains(pending, ddl{Table: "handover_meta"}) {
		var n int
		if err := x.conn.QueryRowContext(ctx, "SELECT count(*) FROM handover_meta").Scan(&n); err != nil {
			return x.t.fail("begin import: look into handover_meta", err)
		}
		if n == 1 { // the record alone: the killed import created the table
			return x.exec(ctx, "begin import: undo creating handover_meta", "DROP TABLE handover_meta")
		}
	}
	return x.exec(ctx, "begin import: forget created tables", "DELETE FROM handover_meta WHERE name = ?", pendingDDL)
}

// undo drops, last first, the tables and columns of list (never
// handover_meta when recovering); recovering, only tables without rows
// and columns without values.
func (x *tx) undo(ctx context.Context, list []ddl, recovering bool) error {
	var errs []error
	for _, d := range slices.Backward(list) {
		if recovering && d.Table == "handover_meta" {
			continue
		}
		if d.Column != "" && slices.Contains(list, ddl{Table: d.Table}) {
			continue // the table goes anyway
		}
		empty, err := x.empty(ctx, d, recovering)
		if err != nil || !empty {
			errs = append(errs, err)
			continue
		}
		q := "DROP TABLE IF EXISTS " + quote(d.Table)
		if d.Column != "" {
			q = "ALTER TABLE " + quote(d.Table) + " DROP COLUMN " + quote(d.Column)
		}
		errs = append(errs, x.exec(ctx, "undo creating "+d.Table, q))
	}
	return errors.Join(errs...)
}

// empty reports whether what d created holds no data (always true when
// not checking). A table or column that is gone is not empty: there is
// nothing to drop.
func (x *tx) empty(ctx context.Context, d ddl, check bool) (bool, error) {
	cols, err := x.tableColumns(ctx, d.Table)
	if err != nil || len(cols) == 0 {
		return false, err
	}
	if _, ok := findColumn(cols, d.Column); d.Column != "" && !ok {
		return false, nil
	}
	if !check {
		return true, nil
	}
	q := "SELECT 1 FROM " + quote(d.Table) + " LIMIT 1"
	if d.Column != "" {
		q = "SELECT 1 FROM " + quote(d.Table) + " WHERE " + quote(d.Column) + " IS NOT NULL LIMIT 1"
	}
	var one int
	err = x.conn.QueryRowContext(ctx, q).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, x.t.fail("begin import: look into "+d.Table, err)
	}
	return false, nil
}
