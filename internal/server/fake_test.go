package server

import (
	"context"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/handover/handover/internal/protocol"
)

// fakeService serves two migrations, acme and beta, from memory and
// records what the server asked of it.
type fakeService struct {
	mu       sync.Mutex
	runs     map[string][]*RunDetail
	records  []string // "migration|actor|action|detail"
	starts   []StartRequest
	signs    []SignOffRequest
	confirms []ConfirmRequest
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func newFake() *fakeService {
	run := func(n int, env string) *RunDetail {
		return &RunDetail{RunSummary: RunSummary{Run: n, Kind: "import", Env: env, Extraction: 1, Status: "succeeded", Started: t0},
			ProtocolHash: "sha256:abc",
			Protocol: &protocol.Protocol{Run: n, Kind: "import", Env: env, Status: "succeeded", Gate: protocol.Gate{Passed: true},
				Entities: []*protocol.Entity{{Name: "contacts", Read: 3, Rejected: 1, Valid: 2, Inserted: 2, Rejects: "rejects/contacts.csv",
					RejectsByRule: map[string]int{"email/email": 1}}}}}
	}
	return &fakeService{runs: map[string][]*RunDetail{
		"acme": {run(1, "dev")},
		"beta": {run(1, "dev"), run(2, "dev")},
	}}
}

func (f *fakeService) Migrations(context.Context) ([]Migration, error) {
	return []Migration{{Name: "acme", Customer: "ACME <AG>", Cutover: "2026-12-15"}, {Name: "beta", Customer: "Beta", Cutover: "2026-12-20"}}, nil
}

func (f *fakeService) Serves(m string) bool { return m == "acme" || m == "beta" }

func (f *fakeService) Overview(_ context.Context, m string) (*Overview, error) {
	return &Overview{Migration: Migration{Name: m}, Lanes: []Lane{{Env: "dev"}}, Plan: []Step{}, Extractions: []Extraction{}}, nil
}

func (f *fakeService) Runs(_ context.Context, m string) ([]RunSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []RunSummary
	for _, r := range f.runs[m] {
		out = append(out, r.RunSummary)
	}
	return out, nil
}

func (f *fakeService) Run(_ context.Context, m string, n int) (*RunDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.runs[m] {
		if r.Run == n {
			return r, nil
		}
	}
	return nil, ErrNotFound
}

func (f *fakeService) Artifact(_ context.Context, m string, n int, name string) (io.ReadCloser, error) {
	if name == "profile.json" {
		return io.NopCloser(strings.NewReader(fakeProfile)), nil
	}
	return io.NopCloser(strings.NewReader("line,errors,EMail\n2,email: not an e-mail address,<script>alert(1)</script>\n")), nil
}

func (f *fakeService) Rejects(_ context.Context, m string, n int, entity string) (*Rejects, error) {
	return &Rejects{Entity: entity, Columns: []string{"EMail"}, Rows: []RejectRow{{Line: 2, Errors: "email: not an e-mail address (email/email)",
		Fields: []string{"EMail"}, Values: []string{"<script>alert(1)</script>"}}}}, nil
}

func (f *fakeService) Audit(_ context.Context, m string) (*AuditLog, error) {
	return &AuditLog{Intact: true, Entries: []AuditEntry{{Seq: 1, At: t0, Actor: "eva@vendor.example", Action: "run", Detail: "<b>run 1</b>"}}}, nil
}

func (f *fakeService) Start(_ context.Context, req StartRequest) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts = append(f.starts, req)
	n := len(f.runs[req.Migration]) + 1
	f.runs[req.Migration] = append(f.runs[req.Migration], &RunDetail{RunSummary: RunSummary{Run: n, Kind: req.Kind, Env: req.Env, Status: "running", Started: t0}})
	return n, nil
}

func (f *fakeService) SignOff(_ context.Context, req SignOffRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signs = append(f.signs, req)
	return nil
}

func (f *fakeService) Confirm(_ context.Context, req ConfirmRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.confirms = append(f.confirms, req)
	return nil
}

func (f *fakeService) Record(_ context.Context, m string, e AuditRecord) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records = append(f.records, m+"|"+e.Actor+"|"+e.Action+"|"+e.Detail)
	return nil
}

func (f *fakeService) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.records...)
}

func (f *fakeService) DeliveryLimits(context.Context, string) (DeliveryLimits, error) {
	return DeliveryLimits{MaxFileSize: 1 << 20, MaxDeliverySize: 2 << 20}, nil
}

func (f *fakeService) Deliver(_ context.Context, req DeliverRequest) (*Delivery, error) {
	return &Delivery{Extraction: 2, Run: 3, Files: []DeliveredFile{}, Problems: []FileProblem{}}, nil
}

func (f *fakeService) Deliveries(context.Context, string) ([]DeliverySummary, error) {
	return []DeliverySummary{{Extraction: 1, Received: t0, Status: "received"}}, nil
}

func (f *fakeService) CompareDelivery(_ context.Context, _ string, n int) (*DeliveryComparison, error) {
	return &DeliveryComparison{Extraction: n, Entities: []EntityComparison{}}, nil
}

func (f *fakeService) SubmitDelivery(_ context.Context, req SubmitRequest) (*DeliverySummary, error) {
	return &DeliverySummary{Extraction: req.Extraction, Status: "submitted", SubmittedBy: req.Actor.Email}, nil
}

// fakeProfile is a run's profile.json: two columns, one value a script.
const fakeProfile = `{"entities":[{"entity":"contacts","columns":[
{"column":"EMail","filled":3,"total":4,"distinct":3,"top":[{"value":"<script>alert(2)</script>","count":2},{"value":"a@b.example","count":1}],"top_rows":4,"min":"a","max":"z","max_len":25},
{"column":"Name","filled":4,"total":4,"distinct":20000,"distinct_capped":true,"top":[],"top_rows":4,"max_len":9}]}]}`
