// Package bench holds the benchmark harness of docs/BENCHMARKS.md:
// run.sh (the one command), gen (the delivery generator), measure (the
// process timer), report (the Markdown writer), profile (handover under
// pprof), the DuckDB and pgloader peers and the floors' table definitions.
// Its test runs the whole harness at 10k rows so that it cannot rot.
package bench
