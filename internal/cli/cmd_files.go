package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/protocol"
	svc "github.com/handover/handover/internal/usecase"
)

func (a *app) filesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "files",
		Short: "Ship the delivery's binary files to an environment's file store",
		Long: `files moves the attachments of a delivery (the files/ tree of an extraction)
to an environment's file store: a local directory (dir://PATH) or any
S3-compatible service (s3://BUCKET/PREFIX?endpoint=HOST:PORT&secure=false).
S3 credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the
AWS credentials file; they never appear in any output.`,
		Example: `  handover files sync --env preprod --dry-run
  handover files sync --env prod --extraction 2
  handover files verify --env prod`,
	}
	cmd.AddCommand(a.filesSyncCommand(), a.filesVerifyCommand())
	return cmd
}

type filesRequest struct {
	env        string
	extraction int
	dryRun     bool
	delete     bool
	deep       bool
	parallel   int
	prefix     string
	queue      bool          // queue it for a worker instead of running it here
	timeout    time.Duration // queued: the run's time limit on the worker
}

func (a *app) filesSyncCommand() *cobra.Command {
	var req filesRequest
	cmd := &cobra.Command{
		Use:   "sync --env ENV",
		Short: "Upload new and changed files; plan first, --dry-run prints the plan",
		Long: `sync compares the extraction's files with the environment's file store —
by size and the SHA-256 stored with each object, without downloading — and
uploads only new and changed files, in parallel, multipart for large ones.
Files at the destination that the extraction lacks are kept unless --delete.
An interrupted sync re-run transfers only what is missing: an object is never
left looking complete when it is not. Every sync is recorded as a run.`,
		Example: `  handover files sync --env preprod --dry-run
  handover files sync --env prod --extraction 2 --json
  handover files sync --env prod --delete
  handover files sync --env prod --queue     # a worker runs it: prints "run N queued"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := noTimeoutAlone(req.queue, req.timeout); err != nil {
				return err
			}
			return a.filesSync(cmd.Context(), req)
		},
	}
	a.filesFlags(cmd, &req)
	cmd.Flags().BoolVar(&req.dryRun, "dry-run", false, "print the plan, transfer nothing")
	cmd.Flags().BoolVar(&req.delete, "delete", false, "remove files at the destination that the extraction lacks")
	cmd.Flags().IntVar(&req.parallel, "parallel", 4, "concurrent transfers")
	cmd.Flags().BoolVar(&req.queue, "queue", false, queueHelp)
	cmd.Flags().DurationVar(&req.timeout, "timeout", 0, timeoutHelp)
	return cmd
}

func (a *app) filesVerifyCommand() *cobra.Command {
	var req filesRequest
	cmd := &cobra.Command{
		Use:   "verify --env ENV",
		Short: "Compare the file store with the extraction; exit 3 when they differ",
		Long: `verify compares the environment's file store with the extraction's manifest
by checksum and lists missing, differing and extra files. --deep downloads
and hashes every object instead of trusting the stored checksums.`,
		Example: `  handover files verify --env prod
  handover files verify --env prod --deep --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.filesVerify(cmd.Context(), req)
		},
	}
	a.filesFlags(cmd, &req)
	cmd.Flags().BoolVar(&req.deep, "deep", false, "download and hash every object")
	return cmd
}

func (a *app) filesFlags(cmd *cobra.Command, req *filesRequest) {
	cmd.Flags().StringVar(&req.env, "env", "", "environment whose file store to use")
	cmd.Flags().IntVar(&req.extraction, "extraction", 0, "extraction number (default: the newest)")
	cmd.Flags().StringVar(&req.prefix, "prefix", files.DefaultPrefix, `which extraction files to ship ("." for all)`)
}

func (a *app) filesSync(ctx context.Context, req filesRequest) error {
	if req.queue {
		return a.enqueue(ctx, svc.QueueRequest{Kind: protocol.KindSync, Env: req.env, Extraction: req.extraction,
			DryRun: req.dryRun, Prefix: req.prefix, Delete: req.delete, Parallel: req.parallel, Timeout: req.timeout})
	}
	prog := &svc.Progress{}
	stop := a.progressBar(prog)
	res, err := a.service().FilesSync(ctx, svc.FilesSyncRequest{Actor: a.actor(), Project: a.dir, Env: req.env,
		Extraction: req.extraction, Prefix: req.prefix, DryRun: req.dryRun, Delete: req.delete, Parallel: req.parallel, Progress: prog})
	stop()
	if res == nil {
		return err
	}
	if a.json {
		out := struct {
			*protocol.Protocol
			Plan *files.SyncPlan `json:"plan,omitempty"`
		}{res.Protocol, nil}
		if req.dryRun {
			out.Plan = res.SyncPlan
		}
		if err := a.printJSON(out); err != nil {
			return err
		}
	} else {
		printSync(a.stdout, res.Protocol, res.SyncPlan, req.dryRun)
	}
	a.warn(res.Warnings)
	return err
}

func printSync(w io.Writer, p *protocol.Protocol, plan *files.SyncPlan, dry bool) {
	head := fmt.Sprintf("run %d · files sync into %s · extraction %d · %s", p.Run, p.Env, p.Extraction, p.Status)
	if dry {
		head += " (dry run: nothing transferred)"
	}
	fmt.Fprintln(w, head)
	f := p.Files
	fmt.Fprintf(w, "store %s\n", f.Store)
	for _, row := range []struct {
		name string
		c    protocol.FileCount
	}{{"new", f.New}, {"changed", f.Changed}, {"unchanged", f.Unchanged}, {"extra", f.Extra}, {"uploaded", f.Uploaded}, {"deleted", f.Deleted}} {
		fmt.Fprintf(w, "  %-10s %7d files %10s\n", row.name, row.c.Files, humanBytes(row.c.Bytes))
	}
	if dry && plan != nil {
		shown := 0
		for _, e := range plan.Entries {
			if e.Action == files.ActionUnchanged {
				continue
			}
			if shown == 20 {
				fmt.Fprintln(w, "  … (--json lists every file)")
				break
			}
			fmt.Fprintf(w, "  %-9s %s\n", e.Action, e.Path)
			shown++
		}
	}
	for _, e := range f.Failed {
		fmt.Fprintf(w, "failed: %s\n", e)
	}
	if p.Error != "" {
		fmt.Fprintf(w, "error: %s\n", p.Error)
	}
}

func (a *app) filesVerify(ctx context.Context, req filesRequest) error {
	res, err := a.service().FilesVerify(ctx, svc.FilesVerifyRequest{Actor: a.actor(), Project: a.dir, Env: req.env,
		Extraction: req.extraction, Prefix: req.prefix, Deep: req.deep})
	if res == nil || res.Verify == nil {
		return err
	}
	v := res.Verify
	if a.json {
		if err := a.printJSON(v); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(a.stdout, "files verify %s against extraction %d: %d matching (%s), %d missing, %d differing, %d extra\n",
			req.env, res.Extraction, v.Matching.Files, humanBytes(v.Matching.Bytes), len(v.Missing), len(v.Differing), len(v.Extra))
		for _, m := range v.Missing {
			fmt.Fprintf(a.stdout, "  missing   %s\n", m)
		}
		for _, d := range v.Differing {
			fmt.Fprintf(a.stdout, "  differing %s (%s)\n", d.Path, d.Reason)
		}
		for _, e := range v.Extra {
			fmt.Fprintf(a.stdout, "  extra     %s\n", e)
		}
	}
	a.warn(res.Warnings)
	if err != nil {
		return err
	}
	if res.GateFailed() {
		return errGateFailed
	}
	return nil
}
