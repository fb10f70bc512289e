package server

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/handover/handover/internal/account"
)

// maxProblemRows bounds the problems table of the result screen; the
// downloads have them all.
const maxProblemRows = 500

// problemSep joins a row's problems in a rejects file's errors column.
const problemSep = " | "

// portalEntity is one entity's outcome in the customer's words.
type portalEntity struct {
	Name     string
	Read     int64
	Filtered int64 // left out by an agreed filter
	Rejected int64
	Pass     int64 // would be imported
	Rules    []ruleCount
}

// problem is one problem of a rejected row: a line of the table.
type problem struct {
	Line    int
	Field   string // target field; "" for a problem of the whole row
	Rule    string
	Message string
	Cells   []cell // the row's values that failed
}

// cell is a source value the customer wrote.
type cell struct{ Column, Value string }

// portalRunScreen is what the result screen shows.
type portalRunScreen struct {
	M        string
	Run      *RunDetail
	Running  bool
	Title    string
	Entities []portalEntity
	Rejected int64
	Read     int64
	Entity   string // the entity of the table
	Field    string
	Rule     string
	Columns  []string
	Problems []problem
	Matching int
	SignOff  *signOffView
	Compare  *DeliveryComparison // with the previous delivery; nil when none
	Delivery *DeliverySummary    // the checked delivery, when this is its newest check
	Submit   bool                // the account may submit the delivery now
	Stopped  bool                // the run failed before it read a row
}

func (s *Server) portalRun(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, run, err := s.runOf(r, acc)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := &portalRunScreen{M: m, Run: run, Running: run.Protocol == nil, Title: runTitle(run), Field: q.Get("field"), Rule: q.Get("rule")}
	if p := run.Protocol; p != nil {
		v.Stopped = p.Error != "" && len(p.Entities) == 0
		for _, e := range p.Entities {
			pe := portalEntity{Name: e.Name, Read: e.Read, Filtered: e.Filtered, Rejected: e.Rejected, Pass: e.Valid}
			for key, n := range e.RejectsByRule {
				pe.Rules = append(pe.Rules, ruleCount{Entity: e.Name, Key: key, Count: n})
			}
			slices.SortFunc(pe.Rules, func(a, b ruleCount) int {
				if a.Count != b.Count {
					return b.Count - a.Count
				}
				return strings.Compare(a.Key, b.Key)
			})
			v.Entities = append(v.Entities, pe)
			v.Rejected += e.Rejected
			v.Read += e.Read
		}
		v.Entity = q.Get("entity")
		if !hasEntity(run, v.Entity) {
			v.Entity = ""
			for _, e := range v.Entities {
				if e.Rejected > 0 {
					v.Entity = e.Name
					break
				}
			}
		}
		if v.Entity != "" {
			if err := v.loadProblems(r, s, m); err != nil {
				return err
			}
		}
		ov, err := s.svc.Overview(r.Context(), m)
		if err != nil {
			return err
		}
		if v.SignOff, err = s.signOffView(r.Context(), acc, m, ov, run); err != nil {
			return err
		}
		if v.SignOff != nil {
			v.SignOff.From = "run"
		}
		if v.Compare, v.Delivery, err = s.comparisonOf(r, m, run); err != nil {
			return err
		}
		v.Submit = v.Delivery != nil && canSubmit(acc, *v.Delivery)
	}
	return s.render(w, http.StatusOK, "portal_run", view{Title: v.Title, Account: acc, Flash: q.Get("flash"), Data: v})
}

// runTitle names a run for the customer.
func runTitle(run *RunDetail) string {
	if run.Kind == "check" {
		return fmt.Sprintf("Check of delivery %d", run.Extraction)
	}
	if run.Kind == "import" {
		return fmt.Sprintf("Import of delivery %d into %s", run.Extraction, run.Env)
	}
	return fmt.Sprintf("Run %d (%s)", run.Run, run.Kind)
}

// loadProblems reads the entity's rejects and lists their problems, one
// line each, filtered by field and rule.
func (v *portalRunScreen) loadProblems(r *http.Request, s *Server, m string) error {
	rej, err := s.svc.Rejects(r.Context(), m, v.Run.Run, v.Entity)
	if err != nil {
		return err
	}
	v.Columns = rej.Columns
	for _, row := range rej.Rows {
		for _, p := range problemsOf(row, rej.Columns) {
			if (v.Field != "" && p.Field != v.Field) || (v.Rule != "" && p.Rule != v.Rule) {
				continue
			}
			v.Matching++
			if len(v.Problems) < maxProblemRows {
				v.Problems = append(v.Problems, p)
			}
		}
	}
	return nil
}

// problemsOf splits a rejected row into its problems. The rejects file
// keeps the messages joined with " | " and, beside them, the rule key of
// each; when a value itself holds " | " the parts are regrouped by the
// field each message starts with.
func problemsOf(row RejectRow, columns []string) []problem {
	var cells []cell
	for i, c := range columns {
		if i < len(row.Values) && slices.Contains(row.Fields, c) {
			cells = append(cells, cell{c, row.Values[i]})
		}
	}
	msgs := strings.Split(row.Errors, problemSep)
	if len(row.Rules) == 0 {
		out := make([]problem, len(msgs))
		for i, msg := range msgs {
			field, _, _ := strings.Cut(msg, ":")
			out[i] = problem{Line: row.Line, Field: field, Message: customerWords("", msg), Cells: cells}
		}
		return out
	}
	if len(msgs) != len(row.Rules) {
		msgs = regroup(msgs, row.Rules)
	}
	out := make([]problem, len(row.Rules))
	for i, key := range row.Rules {
		field, rule, ok := strings.Cut(key, "/")
		if !ok {
			field, rule = "", key
		}
		msg := row.Errors
		if i < len(msgs) {
			msg = msgs[i]
		}
		out[i] = problem{Line: row.Line, Field: field, Rule: rule, Message: customerWords(rule, msg), Cells: cells}
	}
	return out
}

// regroup joins the parts of messages split inside a value: a message
// starts where a part begins with the next rule's field and a colon.
func regroup(parts, rules []string) []string {
	var out []string
	next := 0
	for _, part := range parts {
		if next < len(rules) {
			field, _, ok := strings.Cut(rules[next], "/")
			if len(out) == 0 || (ok && strings.HasPrefix(part, field+":")) {
				out = append(out, part)
				next++
				continue
			}
		}
		out[len(out)-1] += problemSep + part
	}
	return out
}

// rawPattern is the regular expression a pattern message quotes when its
// field has no pattern_hint.
var rawPattern = regexp.MustCompile(` does not have the required form \(.*\)$`)

// customerWords keeps a customer from reading a regular expression: a
// pattern problem without a pattern_hint says only that the form is wrong.
func customerWords(rule, msg string) string {
	if rule == "pattern" || rule == "" {
		return rawPattern.ReplaceAllString(msg, " does not have the required form")
	}
	return msg
}
