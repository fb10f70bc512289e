package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
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
  handover files sync --env prod --delete`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.filesSync(cmd.Context(), req)
		},
	}
	a.filesFlags(cmd, &req)
	cmd.Flags().BoolVar(&req.dryRun, "dry-run", false, "print the plan, transfer nothing")
	cmd.Flags().BoolVar(&req.delete, "delete", false, "remove files at the destination that the extraction lacks")
	cmd.Flags().IntVar(&req.parallel, "parallel", 4, "concurrent transfers")
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

// fileStore opens the environment's file store.
func (a *app) fileStore(ctx context.Context, p *project.Project, name string) (*project.Environment, files.Store, error) {
	if name == "" {
		return nil, nil, usageErr("files needs --env ENV")
	}
	env, err := environment(p, name)
	if err != nil {
		return nil, nil, err
	}
	if env.Files == "" {
		return nil, nil, usageErr("environment %s has no files: store in %s", name, filepath.Base(p.ConfigPath))
	}
	creds, err := files.CredentialsFrom(a.getenv, "", "")
	if err != nil {
		return nil, nil, configErr(err)
	}
	st, err := files.Open(ctx, env.Files, creds)
	if err != nil {
		return nil, nil, fmt.Errorf("open file store of %s: %w", name, err)
	}
	return env, st, nil
}

func (a *app) filesSync(ctx context.Context, req filesRequest) error {
	p, err := a.project()
	if err != nil {
		return err
	}
	x, err := a.extraction(p, req.extraction)
	if err != nil {
		return err
	}
	_, dst, err := a.fileStore(ctx, p, req.env)
	if err != nil {
		return err
	}
	st, err := a.openState(ctx, p)
	if err != nil {
		return err
	}
	defer st.Close()
	run, err := st.BeginRun(ctx, protocol.KindSync, req.env, x.Number, a.now())
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	proto := &protocol.Protocol{Run: run.Number, Kind: protocol.KindSync, Env: req.env, Extraction: x.Number,
		DryRun: req.dryRun, Started: run.Started.UTC(), Version: Version, Entities: []*protocol.Entity{},
		Hashes: protocol.Hashes{Recipes: p.Hashes.Recipes, Format: p.Hashes.Format, Inputs: map[string]string{}},
		Gate:   protocol.Gate{Passed: true, Checks: []protocol.Check{}}}
	plan, syncErr := files.Plan(ctx, x.Files, x.Dir, dst, files.PlanOptions{Prefix: req.prefix})
	var res *files.Result
	if syncErr == nil && !req.dryRun {
		prog := &files.Progress{}
		stop := a.filesBar(prog)
		res, syncErr = files.Apply(ctx, plan, dst, files.ApplyOptions{Parallel: req.parallel, Delete: req.delete, Progress: prog})
		stop()
	}
	proto.Files = filesProtocol(dst.String(), plan, res)
	proto.Finished = a.now().UTC()
	proto.Status = protocol.StatusSucceeded
	if syncErr != nil {
		proto.Status, proto.Error = protocol.StatusFailed, syncErr.Error()
		if errors.Is(syncErr, context.Canceled) {
			proto.Status = protocol.StatusInterrupted
		}
	}
	artifacts := filepath.Join(handoverDir(p), "runs", strconv.Itoa(run.Number))
	if err := os.MkdirAll(artifacts, 0o755); err == nil {
		_ = engine.WriteProtocol(filepath.Join(artifacts, "protocol.json"), proto)
	}
	run.Status, run.Finished, run.Artifacts, run.Protocol = proto.Status, proto.Finished, artifacts, proto
	if err := st.FinishRun(context.WithoutCancel(ctx), run); err != nil && syncErr == nil {
		syncErr = fmt.Errorf("record run %d: %w", run.Number, err)
	}
	if a.json {
		out := struct {
			*protocol.Protocol
			Plan *files.SyncPlan `json:"plan,omitempty"`
		}{proto, nil}
		if req.dryRun {
			out.Plan = plan
		}
		if err := a.printJSON(out); err != nil {
			return err
		}
	} else {
		printSync(a.stdout, proto, plan, req.dryRun)
	}
	return syncErr
}

func filesProtocol(store string, plan *files.SyncPlan, res *files.Result) *protocol.Files {
	f := &protocol.Files{Store: store}
	if plan != nil {
		s := plan.Summary
		f.New, f.Changed, f.Unchanged, f.Extra = fc(s.New), fc(s.Changed), fc(s.Unchanged), fc(s.Extra)
		f.Millis = plan.Millis
	}
	if res != nil {
		f.Uploaded, f.Deleted = fc(res.Uploaded), fc(res.Deleted)
		for _, e := range res.Failed {
			f.Failed = append(f.Failed, e.Path+": "+e.Error)
		}
		f.Millis += res.Millis
	}
	return f
}

func fc(c files.Count) protocol.FileCount { return protocol.FileCount{Files: c.Files, Bytes: c.Bytes} }

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
	p, err := a.project()
	if err != nil {
		return err
	}
	x, err := a.extraction(p, req.extraction)
	if err != nil {
		return err
	}
	_, dst, err := a.fileStore(ctx, p, req.env)
	if err != nil {
		return err
	}
	res, err := files.Verify(ctx, x.Files, dst, files.VerifyOptions{Prefix: req.prefix, Deep: req.deep})
	if err != nil {
		return fmt.Errorf("verify %s: %w", req.env, err)
	}
	if a.json {
		if err := a.printJSON(res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(a.stdout, "files verify %s against extraction %d: %d matching (%s), %d missing, %d differing, %d extra\n",
			req.env, x.Number, res.Matching.Files, humanBytes(res.Matching.Bytes), len(res.Missing), len(res.Differing), len(res.Extra))
		for _, m := range res.Missing {
			fmt.Fprintf(a.stdout, "  missing   %s\n", m)
		}
		for _, d := range res.Differing {
			fmt.Fprintf(a.stdout, "  differing %s (%s)\n", d.Path, d.Reason)
		}
		for _, e := range res.Extra {
			fmt.Fprintf(a.stdout, "  extra     %s\n", e)
		}
	}
	if !res.OK() {
		return errGateFailed
	}
	return nil
}

// filesBar draws a files/bytes/rate bar on a terminal.
func (a *app) filesBar(p *files.Progress) func() {
	return a.drawBar(func() barState {
		s := p.Snapshot()
		if s.BytesTotal == 0 {
			return barState{}
		}
		return barState{phase: "files", desc: fmt.Sprintf("files %d/%d", s.FilesDone, s.FilesTotal),
			done: s.BytesDone, total: s.BytesTotal}
	})
}
