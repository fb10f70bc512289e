package report

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/handover/handover/internal/protocol"
)

// SampleRejects is how many rejects per entity the report shows.
const SampleRejects = 20

// shortValue is how many characters of a profiled value the report shows.
const shortValue = 40

//go:embed report.html.tmpl
var reportTemplate string

// Data is what report.html is made of. It holds no connection details:
// the report only shows what the protocol records.
type Data struct {
	Protocol  *protocol.Protocol
	Project   string // migration name
	Customer  string
	Entities  []EntityData
	Approvals []ApprovalView // may be empty
}

// EntityData is what the report shows of one entity besides its counts.
type EntityData struct {
	Name, Source  string
	Columns       []string        // source columns, the order of SampleRejects' Values; Profile's when nil
	Profile       []ColumnProfile // of the source columns
	SampleRejects []RejectRow     // the first SampleRejects rejects
	RejectsFile   string          // link to the rejects CSV, relative to report.html
	RuleExamples  []RuleExample   // per rule, the first row it rejected, explained
}

// ApprovalView is a sign-off shown in the report.
type ApprovalView struct {
	Role, By, Note string
	At             time.Time
	Refused        bool
}

// WriteHTML writes a self-contained report.html: inline CSS and SVG, no
// script, nothing loaded from the network. The same data gives the same
// bytes.
func WriteHTML(w io.Writer, d *Data) error {
	if d == nil || d.Protocol == nil {
		return errors.New("write report: no protocol")
	}
	t, err := template.New("report").Funcs(templateFuncs).Parse(reportTemplate)
	if err != nil {
		return fmt.Errorf("write report: parse template: %w", err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, newView(d)); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

var templateFuncs = template.FuncMap{
	"num":   formatNum,
	"pct":   func(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + " %" },
	"fig":   func(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) },
	"coord": func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"when":  formatTime,
	"fillW": func(c ColumnProfile) string { return strconv.FormatFloat(fillBarW*c.FillRate(), 'f', 1, 64) },
	"add":   func(a, b float64) float64 { return a + b },
	"short": func(s string) string { return shorten(s, shortValue) },
}

// view is the template's input, everything precomputed.
type view struct {
	P         *protocol.Protocol
	Project   string
	Customer  string
	Duration  string
	Inputs    []pair
	Entities  []entityView
	Approvals []ApprovalView
	Chart     chartDims
}

type pair struct{ Name, Value string }

type chartDims struct {
	StackW, RuleW, RuleLabelW, FillW float64
}

type entityView struct {
	Name, Source string
	E            *protocol.Entity // nil when the protocol has no counts for it
	Balanced     bool             // read = filtered + rejected + valid, valid = loaded
	Stack        []segment
	Rules        []ruleBar
	RulesH       float64
	Samples      []sampleView
	MoreRejects  bool
	RejectsFile  string
	Profile      []ColumnProfile
	Examples     []exampleView
}

type exampleView struct {
	RuleExample
	ID string
}

type sampleView struct {
	Line   int
	Errors []string
	Cells  []pair // failed source columns and their values
}

func newView(d *Data) view {
	p := d.Protocol
	v := view{
		P: p, Project: d.Project, Customer: d.Customer, Approvals: d.Approvals,
		Chart: chartDims{StackW: stackWidth, RuleW: ruleChartW, RuleLabelW: ruleLabelW, FillW: fillBarW},
	}
	if !p.Started.IsZero() && !p.Finished.IsZero() {
		v.Duration = p.Finished.Sub(p.Started).Round(time.Millisecond).String()
	}
	for _, name := range slices.Sorted(maps.Keys(p.Hashes.Inputs)) {
		v.Inputs = append(v.Inputs, pair{name, p.Hashes.Inputs[name]})
	}
	extra := make(map[string]EntityData, len(d.Entities))
	for _, ed := range d.Entities {
		extra[ed.Name] = ed
	}
	for _, e := range p.Entities {
		ed := extra[e.Name]
		delete(extra, e.Name)
		v.Entities = append(v.Entities, newEntityView(e, ed))
	}
	for _, ed := range d.Entities { // entities without counts, in the caller's order
		if _, ok := extra[ed.Name]; ok {
			delete(extra, ed.Name)
			v.Entities = append(v.Entities, newEntityView(nil, ed))
		}
	}
	return v
}

func newEntityView(e *protocol.Entity, ed EntityData) entityView {
	ev := entityView{Name: ed.Name, Source: ed.Source, E: e, RejectsFile: ed.RejectsFile, Profile: ed.Profile}
	if e != nil {
		ev.Name = e.Name
		if ev.Source == "" {
			ev.Source = e.Source
		}
		if ev.RejectsFile == "" && e.Rejected > 0 {
			ev.RejectsFile = e.Rejects
		}
		loaded := e.Inserted + e.Updated + e.Unchanged
		ev.Balanced = e.Read == e.Filtered+e.Rejected+e.Valid && (loaded == 0 || loaded == e.Valid)
		ev.Stack = stackedCounts(e)
		ev.Rules, ev.RulesH = ruleBars(e.RejectsByRule)
		anchors := ruleAnchors(ev.Name, ed.RuleExamples)
		for i := range ev.Rules {
			ev.Rules[i].Anchor = anchors[ev.Rules[i].Rule]
		}
		for _, x := range ed.RuleExamples {
			ev.Examples = append(ev.Examples, exampleView{RuleExample: x, ID: anchors[x.Rule]})
		}
		ev.MoreRejects = e.Rejected > int64(min(len(ed.SampleRejects), SampleRejects))
	}
	columns := ed.Columns
	if columns == nil {
		for _, c := range ed.Profile {
			columns = append(columns, c.Column)
		}
	}
	for _, r := range ed.SampleRejects[:min(len(ed.SampleRejects), SampleRejects)] {
		ev.Samples = append(ev.Samples, newSampleView(r, columns))
	}
	return ev
}

func newSampleView(r RejectRow, columns []string) sampleView {
	s := sampleView{Line: r.Line, Errors: strings.Split(r.Errors, errorSep)}
	for _, c := range r.Columns {
		if i := slices.Index(columns, c); i >= 0 && i < len(r.Values) {
			s.Cells = append(s.Cells, pair{c, r.Values[i]})
		}
	}
	return s
}

// formatNum writes an integer with narrow spaces between thousands:
// 1 234 567.
func formatNum(v any) string {
	var n int64
	switch v := v.(type) {
	case int:
		n = int64(v)
	case int64:
		n = v
	default:
		return fmt.Sprint(v)
	}
	return formatInt(n)
}

func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(ch)
	}
	return b.String()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2006-01-02 15:04:05 Z07:00")
}
