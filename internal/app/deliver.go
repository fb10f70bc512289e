package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/usecase"
)

// Defaults of the portal's upload limits (handover.yaml portal:, serve
// --max-file-size / --max-delivery-size).
const (
	DefaultMaxFileSize     = 1 << 30 // 1 GiB
	DefaultMaxDeliverySize = 4 << 30 // 4 GiB
	// maxDeliveryFiles bounds the files of one delivery, zip members included.
	maxDeliveryFiles = 1000
)

// ActionDeliver is the audit action of a delivery uploaded through the
// portal (the extraction itself is audited as a receive).
const ActionDeliver = "deliver"

type DeliveryLimits = usecase.DeliveryLimits

// DeliveryLimitsOf are the limits of project p: req (the server's flags)
// first, then handover.yaml portal:, then the defaults.
func DeliveryLimitsOf(p *project.Project, req DeliveryLimits) DeliveryLimits {
	return req.Or(DeliveryLimits{MaxFileSize: p.Portal.MaxFileSize, MaxDeliverySize: p.Portal.MaxDeliverySize}).
		Or(DeliveryLimits{MaxFileSize: DefaultMaxFileSize, MaxDeliverySize: DefaultMaxDeliverySize})
}

// Parts yields the uploaded files of a delivery one after the other, as a
// multipart body does: the name the client gave and the content, to be
// read before the next call. io.EOF ends the delivery.
type Parts interface {
	Next() (name string, body io.Reader, err error)
}

// DeliverRequest asks to store an upload as the next extraction, detect
// the format of its files and queue its check.
type DeliverRequest struct {
	Actor   Actor
	Project string
	Parts   Parts
	Label   string
	// Limits override the project's portal: limits (zero fields: the
	// project's, else the defaults).
	Limits DeliveryLimits
	// Queue queues the check of the new extraction (a front end's job
	// queue or workers). Nil: no check is queued (Run is 0).
	Queue Queuer
}

// Queuer queues a run on a front end's job queue or workers and returns
// its number: Deliver and RecoverDeliveries queue a delivery's check with
// it. Its errors are the application's: one IsInvalid reports, or a
// *RefusedError, when the project refuses the run.
type Queuer interface {
	QueueRun(ctx context.Context, req QueueRequest) (int, error)
}

// DeliverResult is the new extraction, the queued check of it and what
// was detected of each file.
type DeliverResult struct {
	Extraction int
	Run        int // the queued check; 0 when none was queued
	Files      []DeliveredFile
	// Problems are the delivery's own: a recipe source no file matches.
	Problems []FileProblem
}

// TooLargeError is a delivery or file over its limit (HTTP 413). Nothing
// of the delivery was kept.
type TooLargeError struct {
	What    string // the file, or "the delivery"
	Limit   int64
	Setting string // the handover.yaml setting that sets it
	Unzip   bool   // the size counted is the unzipped one
}

func (e *TooLargeError) Error() string {
	how := ""
	if e.Unzip {
		how = " unzipped"
	}
	return fmt.Sprintf("%s is larger%s than the %s allowed (%s): nothing was kept; split the delivery or ask the team to raise the limit",
		e.What, how, humanBytes(e.Limit), e.Setting)
}

// Deliver stores the uploaded files as the next numbered extraction —
// numbered, checked and made read-only as `handover receive` does —
// detects the format of each file against its recipe, queues a check of
// the extraction and audits the delivery. The files stream to disk
// under generated names in the extraction store's staging directory
// (extract.Upload: flat memory, each file and the delivery under their
// limits, hashed and counted as they are written; a .zip is unpacked
// there after its members are checked against traversal, links and
// bombs), and are moved, not copied, into the extraction. A problem of
// the upload is an *InvalidError (400) or a *TooLargeError (413), and
// leaves nothing behind.
func (s *Service) Deliver(ctx context.Context, req DeliverRequest) (*DeliverResult, error) {
	if req.Parts == nil {
		return nil, invalid("a delivery needs at least one file")
	}
	p, err := s.Project(req.Project)
	if err != nil {
		return nil, err
	}
	limits := DeliveryLimitsOf(p, req.Limits)
	xs, err := s.extractions(ctx, p)
	if err != nil {
		return nil, err
	}
	up, err := xs.NewUpload()
	if err != nil {
		return nil, fmt.Errorf("stage the delivery: %w", err)
	}
	defer up.Close()
	staged, err := stageUpload(ctx, up, req.Parts, limits)
	if err != nil {
		return nil, err
	}
	res := &DeliverResult{}
	res.Files, res.Problems = detectDelivery(ctx, p, staged)
	x, err := up.Commit(ctx, uploaded(staged), req.Label, req.Actor.String(), s.now())
	if err != nil {
		return nil, fmt.Errorf("store the delivery: %w", err)
	}
	res.Extraction = x.Number
	if hook := s.cfg.Hooks.AfterDeliveryStored; hook != nil {
		if err := hook(); err != nil { // a test's kill between storing and queueing
			return res, err
		}
	}
	release, ok, err := s.claimSettle(ctx, p, x.Number)
	if err != nil {
		return res, fmt.Errorf("extraction %d stored, but its check was not queued: %w", x.Number, err)
	}
	if !ok { // a server starting now recovers it (RecoverDeliveries): its check, not a second
		res.Run, err = s.awaitSettled(ctx, p, x.Number)
		return res, err
	}
	defer release()
	if rec, settled, err := s.delivered(ctx, p, x.Number); err != nil {
		return res, fmt.Errorf("extraction %d stored, but its check was not queued: %w", x.Number, err)
	} else if settled { // recovered by a server that started before the claim
		res.Run = rec.Run
		return res, nil
	}
	run, problems, err := s.settleDelivery(ctx, p, x, req.Actor, req.Queue, nil)
	res.Run, res.Problems = run, append(res.Problems, problems...)
	if err != nil {
		return res, err
	}
	return res, nil
}

// humanBytes writes a byte count for a message.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// ParseSize reads a byte count like "500MB", "16GiB" or "1048576".
func ParseSize(s string) (int64, error) { return extract.ParseSize(s) }

// IsTooLarge reports whether err is a delivery over its limits.
func IsTooLarge(err error) bool {
	var tl *TooLargeError
	return errors.As(err, &tl)
}
