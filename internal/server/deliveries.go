package server

import (
	"context"
	"errors"
	"io"
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
