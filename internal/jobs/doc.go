// Package jobs runs handover runs as jobs on River
// (github.com/riverqueue/river): a front end enqueues a run whose number
// the state store has already assigned (the run is "queued"), and a worker
// on any machine that reaches the state store executes it through an
// Executor.
//
// River's tables live beside the state store: next to the embedded SQLite
// state database, in a file of their own (JobsFile, riversqlite), or in
// the PostgreSQL state store's database, in their own schema (Schema,
// riverpgxv5). Open runs River's migrations.
//
// Each migration (project) has its own River queue, so a worker only ever
// fetches the runs of the projects it serves. A job is idempotent: the
// Executor claims its run in the state store, and a run that has already
// finished is not executed again. A worker killed mid-run leaves its job
// "running" in River; after the job's timeout River's rescuer makes it
// available again and a live worker executes the run once more (the killed
// run's environment transaction was rolled back with its connection).
package jobs
