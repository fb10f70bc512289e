package server

import (
	"context"
	"errors"
	"io"
	"time"
)

// DeliveryService is what the customer portal's deliveries ask of the
// application layer.
type DeliveryService interface {
	// DeliveryLimits are the upload limits of migration m.
	DeliveryLimits(ctx context.Context, m string) (DeliveryLimits, error)
	// Deliver stores the uploaded files as migration m's next extraction,
	// detects each file's format against its recipe and queues a check of
	// the extraction. An upload over a limit is ErrTooLarge (nothing is
	// kept), a refused one ErrInvalid.
	Deliver(ctx context.Context, req DeliverRequest) (*Delivery, error)
	// Deliveries lists migration m's extractions, oldest first, with
	// their newest check and whether they were submitted.
	Deliveries(ctx context.Context, m string) ([]DeliverySummary, error)
	// CompareDelivery compares extraction n's check with extraction
	// n−1's by record key; ErrRefused while n has no finished check.
	CompareDelivery(ctx context.Context, m string, n int) (*DeliveryComparison, error)
	// SubmitDelivery records that the customer submitted extraction n
	// to the team (audited); ErrRefused when it was already.
	SubmitDelivery(ctx context.Context, req SubmitRequest) (*DeliverySummary, error)
}

// ErrTooLarge is a delivery or file over its size limit (413).
var ErrTooLarge = errors.New("too large")

// DeliveryLimits bound one delivery: each file and the whole, unzipped.
type DeliveryLimits struct {
	MaxFileSize     int64 `json:"max_file_size"`
	MaxDeliverySize int64 `json:"max_delivery_size"`
}

// Parts yields the uploaded files one after the other (a multipart
// body): a name and the content, read before the next call; io.EOF ends.
type Parts interface {
	Next() (name string, body io.Reader, err error)
}

// DeliverRequest is an upload of a delivery.
type DeliverRequest struct {
	Actor     Actor
	Migration string
	Parts     Parts
}

// Delivery is a stored upload: its extraction, the queued check and what
// was detected of each file.
type Delivery struct {
	Extraction int             `json:"extraction"`
	Run        int             `json:"run"`
	Files      []DeliveredFile `json:"files"`
	Problems   []FileProblem   `json:"problems"` // of the delivery: a file the recipes expect is missing
}

// DeliveredFile is what was detected of one delivered file.
type DeliveredFile struct {
	Name      string        `json:"name"`
	Entity    string        `json:"entity,omitempty"`
	Size      int64         `json:"size"`
	Format    string        `json:"format"`
	Encoding  string        `json:"encoding"`
	Delimiter string        `json:"delimiter"`
	Header    int           `json:"header"` // line of the header row; 0: none
	Columns   []string      `json:"columns"`
	Rows      int64         `json:"rows"`
	Problems  []FileProblem `json:"problems"`
}

// FileProblem is a mismatch between a file and what its recipe expects.
type FileProblem struct {
	Kind    string `json:"kind"` // missing_column, renamed_column, extra_column, delimiter, encoding, no_recipe, unreadable, missing_file
	Column  string `json:"column,omitempty"`
	Found   string `json:"found,omitempty"` // renamed_column: the file's column that looks like Column
	Message string `json:"message"`
}

// DeliverySummary is one extraction in the list of deliveries.
type DeliverySummary struct {
	Extraction  int        `json:"extraction"`
	Label       string     `json:"label,omitempty"`
	Received    time.Time  `json:"received"`
	Files       int        `json:"files"`
	Size        int64      `json:"size"`
	By          string     `json:"by,omitempty"`  // the account that uploaded it; "" when received by the team
	Run         int        `json:"run,omitempty"` // its newest check
	RunStatus   string     `json:"run_status,omitempty"`
	Rows        int64      `json:"rows"`     // read by that check
	Rejected    int64      `json:"rejected"` // rejected by that check
	Submitted   *time.Time `json:"submitted,omitempty"`
	SubmittedBy string     `json:"submitted_by,omitempty"`
	Status      string     `json:"status"` // received, checking, checked, check_failed, submitted
}

// SubmitRequest submits extraction n of a migration to the team.
type SubmitRequest struct {
	Actor      Actor
	Migration  string
	Extraction int
}

// DeliveryComparison is a delivery's check against the previous one's.
type DeliveryComparison struct {
	Extraction  int                `json:"extraction"`
	Run         int                `json:"run"`
	Previous    int                `json:"previous"`     // 0: none
	PreviousRun int                `json:"previous_run"` // 0: the previous extraction has no finished check
	Entities    []EntityComparison `json:"entities"`
}

// EntityComparison counts one entity's rows and rejected records (by key)
// against the previous delivery.
type EntityComparison struct {
	Entity           string `json:"entity"`
	Rows             int64  `json:"rows"`
	PreviousRows     int64  `json:"previous_rows"`
	Added            int64  `json:"added"` // rows − previous_rows
	Rejected         int64  `json:"rejected"`
	PreviousRejected int64  `json:"previous_rejected"`
	Fixed            int    `json:"fixed"`         // rejected before, not any more
	StillFailing     int    `json:"still_failing"` // rejected in both
	NewFailing       int    `json:"new_failing"`   // rejected now, not before
}
