package runbook

import (
	"context"
	"fmt"
	"slices"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/sheet"
	"github.com/handover/handover/internal/state"
)

// Default step IDs. A step whose evidence is a confirmation is done when
// the state store holds the fact of the same name (preprod_refreshed,
// freeze, kickoff, and any step added in handover.yaml).
const (
	StepKickoff            = "kickoff"
	StepExtraction1        = "extraction_1"
	StepDevGate            = "dev_gate"
	StepPreprodRefreshed   = "preprod_refreshed"
	StepFileInitial        = "files_initial"
	StepPreprodImport      = "preprod_import"
	StepRejects            = "rejects_published"
	StepCustomerValidation = "customer_validation"
	StepFreeze             = sheet.StepFreeze
	StepExtraction2        = "extraction_2"
	StepProdImport         = "prod_import"
	StepFileDelta          = "files_delta"
	StepFixup              = "fixup"
	StepSignoff            = "lead_signoff"
)

// isDefault reports whether id is a default step's.
func isDefault(id string) bool {
	return slices.Contains([]string{StepKickoff, StepExtraction1, StepDevGate, StepPreprodRefreshed, StepFileInitial,
		StepPreprodImport, StepRejects, StepCustomerValidation, StepFreeze, StepExtraction2, StepProdImport,
		StepFileDelta, StepFixup, StepSignoff}, id)
}

// def is a step's definition: what it is and how its evidence is found.
type def struct {
	id, title, owner string
	offset           int
	optional         bool
	after            []string
	eval             func(ctx context.Context, w *world) (result, error)
}

// defaultSteps is the runbook of DESIGN.md, without the steps about an
// environment cfg does not have or files it does not transfer.
func defaultSteps(cfg Config) []def {
	e := cfg.Envs
	defs := []def{
		{StepKickoff, "Kick-off: decide what is migrated", "lead", -21, false, nil, kickoff},
		{StepExtraction1, "Customer delivers extraction 1", "customer", -14, false, []string{StepKickoff}, extraction1},
		{StepDevGate, "Import into " + e.Dev + " passes the gate; reviewer signs off", "reviewer", -10, false,
			[]string{StepExtraction1}, devGate},
		{StepPreprodRefreshed, "Refresh " + e.Preprod + " from " + e.Prod + " (confirmation)", "lead", -8, false, nil,
			confirmed(StepPreprodRefreshed, "confirmed by")},
		{StepFileInitial, "Initial file transfer into " + e.Prod, "team", -7, false, []string{StepExtraction1}, filesInitial},
		{StepPreprodImport, "Import into " + e.Preprod, "team", -7, false,
			[]string{StepDevGate, StepPreprodRefreshed}, preprodImport},
		{StepRejects, "Publish the list of rows not imported", "team", -7, false, []string{StepPreprodImport}, rejects},
		{StepCustomerValidation, "Customer validates " + e.Preprod, "customer", -2, false,
			[]string{StepPreprodImport}, customerValidation},
		{StepFreeze, "Source set read-only (freeze)", "customer", -1, true, nil, confirmed(StepFreeze, "frozen by")},
		{StepExtraction2, "Second full extraction (optional)", "customer", -1, true, []string{StepFreeze}, extraction2},
		{StepProdImport, "Import into " + e.Prod + " (delta)", "team", 0, false, []string{StepCustomerValidation}, prodImport},
		{StepFileDelta, "Delta file transfer into " + e.Prod, "team", 0, true, []string{StepFileInitial}, filesDelta},
		{StepFixup, "External reference fix-up", "team", 0, false, []string{StepProdImport}, fixup},
		{StepSignoff, "Lead signs off: migration solved", "lead", 0, false, []string{StepProdImport, StepFixup}, leadSignoff},
	}
	drop := map[string]bool{}
	if e.Dev == "" {
		drop[StepDevGate] = true
	}
	if e.Preprod == "" {
		for _, id := range []string{StepPreprodRefreshed, StepPreprodImport, StepRejects, StepCustomerValidation} {
			drop[id] = true
		}
	}
	if e.Prod == "" {
		for _, id := range []string{StepProdImport, StepFixup, StepSignoff} {
			drop[id] = true
		}
	}
	if !cfg.Files || e.Prod == "" {
		drop[StepFileInitial], drop[StepFileDelta] = true, true
	}
	if !cfg.Fixups {
		drop[StepFixup] = true
	}
	for id := range drop {
		defs = remove(defs, id)
	}
	return defs
}

// remove drops step id; the steps that depended on it depend on its own
// dependencies instead.
func remove(defs []def, id string) []def {
	i := slices.IndexFunc(defs, func(d def) bool { return d.id == id })
	if i < 0 {
		return defs
	}
	gone := defs[i]
	defs = slices.Delete(slices.Clone(defs), i, i+1)
	for k := range defs {
		if j := slices.Index(defs[k].after, id); j >= 0 {
			after := slices.Delete(slices.Clone(defs[k].after), j, j+1)
			for _, a := range gone.after {
				if !slices.Contains(after, a) {
					after = append(after, a)
				}
			}
			defs[k].after = after
		}
	}
	return defs
}

// confirmed is done when the fact key is set; its value names who.
func confirmed(key, verb string) func(context.Context, *world) (result, error) {
	return func(ctx context.Context, w *world) (result, error) {
		f, err := w.fact(ctx, key)
		if err != nil || !f.ok {
			return result{}, err
		}
		ev := verb + " " + f.value
		if !f.at.IsZero() {
			ev += " " + day(f.at)
		}
		return result{done: true, evidence: []string{ev}}, nil
	}
}

func kickoff(ctx context.Context, w *world) (result, error) {
	r, err := confirmed(StepKickoff, "confirmed by")(ctx, w)
	if err != nil || r.done {
		return r, err
	}
	if x := w.extraction(1); x != nil {
		return result{done: true, evidence: []string{"implied: extraction 1 received " + day(x.Received)}}, nil
	}
	return result{}, nil
}

func (w *world) extraction(n int) *Extraction {
	for i := range w.cfg.Extractions {
		if w.cfg.Extractions[i].Number == n {
			return &w.cfg.Extractions[i]
		}
	}
	return nil
}

func extraction1(_ context.Context, w *world) (result, error) {
	if x := w.extraction(1); x != nil {
		return result{done: true, evidence: []string{"extraction 1 received " + day(x.Received)}}, nil
	}
	return result{note: `no extraction yet ("handover receive PATH...")`}, nil
}

func devGate(ctx context.Context, w *world) (result, error) {
	runs, stale := w.imports(w.cfg.Envs.Dev)
	if len(runs) == 0 {
		return result{note: firstOf(stale, "no successful import into "+w.cfg.Envs.Dev+" yet")}, nil
	}
	return w.signedRun(ctx, runs, "reviewer")
}

// preprodRuns are the successful imports into preprod started after the
// last refresh from prod (an earlier import was overwritten by it).
func (w *world) preprodRuns(ctx context.Context) ([]*state.Run, string, error) {
	env := w.cfg.Envs.Preprod
	runs, stale := w.imports(env)
	refresh, err := w.fact(ctx, StepPreprodRefreshed)
	if err != nil || !refresh.ok {
		return runs, stale, err
	}
	var after []*state.Run
	for _, r := range runs {
		if !r.Started.Before(refresh.at) {
			after = append(after, r)
		}
	}
	if len(after) == 0 && len(runs) > 0 {
		stale = fmt.Sprintf("run %d ran before %s was refreshed (%s): import again", runs[0].Number, env, day(refresh.at))
	}
	return after, stale, nil
}

func preprodImport(ctx context.Context, w *world) (result, error) {
	runs, stale, err := w.preprodRuns(ctx)
	if err != nil || len(runs) == 0 {
		return result{note: stale}, err
	}
	return result{done: true, run: runs[0], evidence: []string{runName(runs[0])}}, nil
}

func rejects(_ context.Context, w *world) (result, error) {
	r := w.done[StepPreprodImport].run
	if r == nil {
		return result{}, nil
	}
	var n int64
	if r.Protocol != nil {
		for _, e := range r.Protocol.Entities {
			n += e.Rejected
		}
	}
	ev := fmt.Sprintf("rejects of run %d: %d rows", r.Number, n)
	if r.Artifacts != "" {
		ev += " in " + r.Artifacts + "/rejects"
	}
	return result{done: true, evidence: []string{ev}}, nil
}

func customerValidation(ctx context.Context, w *world) (result, error) {
	runs, _, err := w.preprodRuns(ctx)
	if err != nil || len(runs) == 0 {
		return result{}, err
	}
	return w.signedRun(ctx, runs, "customer")
}

func extraction2(ctx context.Context, w *world) (result, error) {
	var x *Extraction
	for i := range w.cfg.Extractions {
		if e := &w.cfg.Extractions[i]; e.Number > 1 && (x == nil || e.Number > x.Number) {
			x = e
		}
	}
	if x == nil {
		return result{}, nil
	}
	r := result{done: true, evidence: []string{fmt.Sprintf("extraction %d received %s", x.Number, day(x.Received))}}
	f, err := w.fact(ctx, StepFreeze)
	if err != nil {
		return result{}, err
	}
	if !f.ok || f.at.After(x.Received) {
		r.note = fmt.Sprintf("extraction %d was received before the source was frozen: a prod import of it will be refused", x.Number)
	}
	return r, nil
}

// prodImport is done by the latest successful prod import: the one the
// fix-up and the sign-off must follow.
func prodImport(_ context.Context, w *world) (result, error) {
	runs := w.passed(w.cfg.Envs.Prod, protocol.KindImport)
	if len(runs) == 0 {
		return result{}, nil
	}
	return result{done: true, run: runs[0], evidence: []string{runName(runs[0])}}, nil
}

func filesInitial(_ context.Context, w *world) (result, error) {
	runs := w.passed(w.cfg.Envs.Prod, protocol.KindSync)
	if len(runs) == 0 {
		return result{}, nil
	}
	r := runs[len(runs)-1]
	return result{done: true, run: r, evidence: []string{runName(r)}}, nil
}

func filesDelta(_ context.Context, w *world) (result, error) {
	first := w.done[StepFileInitial].run
	runs := w.passed(w.cfg.Envs.Prod, protocol.KindSync)
	if first == nil || runs[0].Number == first.Number {
		return result{}, nil
	}
	return result{done: true, run: runs[0], evidence: []string{runName(runs[0])}}, nil
}

func fixup(_ context.Context, w *world) (result, error) {
	imp := w.done[StepProdImport].run
	if imp == nil {
		return result{}, nil
	}
	for _, r := range w.passed(w.cfg.Envs.Prod, KindFixup) {
		if r.Number > imp.Number {
			return result{done: true, run: r, evidence: []string{runName(r)}}, nil
		}
	}
	return result{note: fmt.Sprintf(`no fix-up since run %d ("handover fixup --env %s")`, imp.Number, w.cfg.Envs.Prod)}, nil
}

func leadSignoff(ctx context.Context, w *world) (result, error) {
	runs := w.passed(w.cfg.Envs.Prod, protocol.KindImport)
	if len(runs) == 0 {
		return result{}, nil
	}
	return w.signedRun(ctx, runs, "lead")
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
