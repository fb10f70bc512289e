package state

import "database/sql"

// DB returns the store's database handle and whether it is PostgreSQL (else
// SQLite), for packages that keep their own versioned tables in the same
// database (accounts). The handle stays owned by the store: do not close it.
func (s *Store) DB() (db *sql.DB, postgres bool) { return s.db, s.postgres }
