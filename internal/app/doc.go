// Package app is handover's application layer: one method of Service per
// use case, each taking a typed request that names the Actor (who asks) and
// returning a typed result. Front ends — the command line, the web server,
// the customer portal, workers — parse their input, call a method and
// render the result; none of them opens the state store, an environment's
// database or the engine itself.
//
// # Use cases
//
//	Receive                      store a delivery as the next extraction (audited)
//	Check, Import, Diff          a run of the engine over an extraction
//	Fixup                        the fix-up rules re-run on an environment
//	FilesSync, FilesVerify       binary files shipped to / compared with a file store
//	SignOff                      a sign-off or refusal of a run in a role
//	Confirm, Freeze              a runbook step done outside handover
//	Runbook, Status              where the migration stands
//	Runs, Show, Audit            what happened
//
// # One lifecycle for every run
//
// Check, Import, Diff, Fixup, FilesSync and FilesVerify go through the same
// life (lifecycle.go): begin (the run is numbered and recorded as running)
// → execute → gate → commit or roll back the environment's transaction →
// write the protocol once, after the outcome is known → finish (the state
// store records the outcome) → audit entry → event to the webhooks.
//
// The gate is decided before the commit: an import whose gate fails is
// rolled back (status gate_failed, the environment exactly as before)
// unless the environment sets on_gate_failure: commit; the protocol's
// "transaction" field says which.
//
// Before the commit the run also writes itself (number, protocol, audit
// chain head) into the environment's bookkeeping (load.RunRecorder, in the
// same transaction); opening the state store settles runs whose lease
// ended from that record (record.go), so a process killed after its commit
// is recorded as succeeded. While it executes, a run renews its lease in
// the state store every third of Config.LeaseTTL; a lost lease cancels it
// before it can commit. A run waits for another import's environment lock
// up to its request's LockWait (DefaultLockTimeout). The data files it
// reads are re-hashed against the extraction's manifest meanwhile
// (inputs.go): a difference fails the run before the commit.
//
// # Errors
//
// A returned *RunResult with an error means the run happened and failed:
// its protocol says how far it came. Errors without a result mean nothing
// ran: *InvalidError (bad request or configuration; exit 2, HTTP 400),
// *NotFoundError (exit 2, HTTP 404), *Refusal (a promotion refused, listing
// what is missing and what to run next; exit 2, HTTP 409). IsInvalid
// matches all three. A run whose gate failed returns no error:
// RunResult.GateFailed reports it (exit 3).
//
// # Progress
//
// Long use cases take a *Progress in their request; the caller samples
// Progress.Snapshot while the call runs (the command line draws a bar, the
// server streams it).
//
// # For workers (river)
//
// Queue numbers a check, import or files sync and records it as queued,
// then hands it to an Enqueuer (the job queue, internal/jobs); Execute,
// called by a worker with the job's QueuedRun, claims the run and takes it
// through the same lifecycle as the method the command line calls. A run
// that has finished, or that a live worker holds, is a *ClaimError: a
// retried job does nothing. The Service is safe for concurrent use and
// holds no state between calls.
package app
