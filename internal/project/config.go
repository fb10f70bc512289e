package project

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/project/conf"
)

// ConfigFile is the name of a project's configuration file.
const ConfigFile = "handover.yaml"

// Approval roles.
const (
	RoleReviewer = "reviewer"
	RoleCustomer = "customer"
	RoleLead     = "lead"
)

// ValidRole reports whether role is one of reviewer, customer, lead.
func ValidRole(role string) bool {
	return role == RoleReviewer || role == RoleCustomer || role == RoleLead
}

// paths are the handover.yaml settings that name other files, each with the
// line it was set on (0 when defaulted).
type paths struct {
	format, recipes, lookups             string
	formatLine, recipesLine, lookupsLine int
	minRowsLines                         map[string]int // gate.min_rows entity → line
	envLines                             map[string]int // environment → line
	freezeLine                           int            // line of freeze.environments
	fixups                               []fixup.Spec   // fixups: of handover.yaml
}

var envNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// parseConfig decodes handover.yaml into p and returns the file settings.
func parseConfig(p *Project, d *conf.Doc, data []byte) *paths {
	ps := &paths{format: "format.yaml", recipes: "recipes", lookups: "lookups",
		minRowsLines: map[string]int{}, envLines: map[string]int{}}
	root := d.Parse(data)
	if root == nil {
		return ps
	}
	var migration *yaml.Node
	setPath := func(dst *string, line *int, what string) func(v *yaml.Node) {
		return func(v *yaml.Node) {
			if s := d.String(v, what); s != "" {
				*dst, *line = s, v.Line
			}
		}
	}
	d.Map(root, "", conf.Keys{
		"migration":    func(v *yaml.Node) { migration = v; p.Migration = strings.TrimSpace(d.String(v, "migration")) },
		"customer":     func(v *yaml.Node) { p.Customer = strings.TrimSpace(d.String(v, "customer")) },
		"cutover":      func(v *yaml.Node) { p.Cutover = parseCutover(d, v) },
		"format":       setPath(&ps.format, &ps.formatLine, "format"),
		"recipes":      setPath(&ps.recipes, &ps.recipesLine, "recipes"),
		"lookups":      setPath(&ps.lookups, &ps.lookupsLine, "lookups"),
		"environments": func(v *yaml.Node) { parseEnvironments(p, d, v, ps) },
		"gate":         func(v *yaml.Node) { parseGate(p, d, v, ps); p.Files.Gate = gateYAML(v) },
		"freeze":       func(v *yaml.Node) { parseFreeze(p, d, v, ps) },
		"plan":         func(v *yaml.Node) { parsePlan(p, d, v) },
		"notify":       func(v *yaml.Node) { parseNotify(p, d, v) },
		"fixups":       func(v *yaml.Node) { ps.fixups = fixup.ParseSpecs(d, v, true) },
		"portal":       func(v *yaml.Node) { parsePortal(p, d, v) },
		"artifacts":    func(v *yaml.Node) { p.Artifacts = parseArtifacts(p.Dir, d, v) },
	})
	if p.Migration == "" {
		n := root
		if migration != nil {
			n = migration
		}
		d.Problem(n, "migration missing: name the migration, e.g. migration: acme-onboarding")
	}
	checkRequires(p, d, ps)
	checkFreeze(p, d, ps)
	return ps
}

// parseArtifacts reads artifacts: the store of the extractions and the
// runs' artifacts, dir://PATH (relative to the project) or
// s3://BUCKET/PREFIX?endpoint=…; ${VAR} is expanded. "" is the
// project's .handover/.
func parseArtifacts(dir string, d *conf.Doc, v *yaml.Node) string {
	raw, err := expandLazily(d, v, "artifacts")
	if err != nil {
		d.Problem(v, "artifacts: %v", err)
		return ""
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	resolved, err := resolveFiles(dir, raw)
	if err != nil {
		d.Problem(v, "artifacts: %v", err)
		return ""
	}
	return resolved
}

func parseCutover(d *conf.Doc, v *yaml.Node) string {
	s := strings.TrimSpace(d.String(v, "cutover"))
	if s == "" {
		return ""
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		d.Problem(v, "cutover: %q is not a valid date YYYY-MM-DD (day J, e.g. 2026-12-15)", s)
		return ""
	}
	return s
}

func parseEnvironments(p *Project, d *conf.Doc, n *yaml.Node, ps *paths) {
	p.Environments = map[string]*Environment{}
	for _, e := range d.Entries(n, "in environments") {
		if !envNameRE.MatchString(e.Key) {
			d.Errs.Add(d.File, e.Line, "environment name %q may hold only letters, digits, - and _", e.Key)
			continue
		}
		env := parseEnvironment(p.Dir, d, e)
		p.Environments[env.Name] = env
		p.EnvOrder = append(p.EnvOrder, env.Name)
		ps.envLines[env.Name] = e.Line
	}
}

func parseEnvironment(dir string, d *conf.Doc, e conf.Entry) *Environment {
	env := &Environment{Name: e.Key}
	path := "environments." + e.Key
	var db, files, approvals *yaml.Node
	expanded := true // false when a ${VAR} failed: then the value is not checked further
	str := func(v *yaml.Node, what string) string {
		before := d.Errs.Len()
		s, unset := expandLazily(d, v, path+"."+what)
		if unset != nil && env.Unresolved == nil {
			env.Unresolved = unset
		}
		expanded = expanded && d.Errs.Len() == before && unset == nil
		return strings.TrimSpace(s)
	}
	d.Map(e.Value, fmt.Sprintf("in environment %q", e.Key), conf.Keys{
		"database": func(v *yaml.Node) {
			db, env.Database, env.Declared.Database = v, str(v, "database"), d.Text(v, path+".database")
		},
		"files": func(v *yaml.Node) {
			files, env.Files, env.Declared.Files = v, str(v, "files"), d.Text(v, path+".files")
		},
		"requires":  func(v *yaml.Node) { env.Requires = d.Strings(v, path+".requires") },
		"approvals": func(v *yaml.Node) { approvals = v; parseApprovals(d, v, path, env) },
		"references": func(v *yaml.Node) {
			env.References = d.String(v, path+".references")
			if env.References != ReferencesDelivery && env.References != ReferencesEnvironment {
				d.Problem(v, "%s.references must be %s (a reference resolves within the extraction, as check does) or %s (also against the rows already in the environment), not %q",
					path, ReferencesDelivery, ReferencesEnvironment, env.References)
			}
		},
		"on_gate_failure": func(v *yaml.Node) {
			env.OnGateFailure = d.String(v, path+".on_gate_failure")
			if env.OnGateFailure != GateFailureRollBack && env.OnGateFailure != GateFailureCommit {
				d.Problem(v, "%s.on_gate_failure must be %s or %s, not %q", path, GateFailureRollBack, GateFailureCommit, env.OnGateFailure)
			}
		},
	})
	if env.References == "" {
		env.References = ReferencesDelivery
	}
	if env.OnGateFailure == "" {
		env.OnGateFailure = GateFailureRollBack
	}
	switch {
	case db == nil:
		d.Errs.Add(d.File, e.Line, "%s: database missing (e.g. database: sqlite://.handover/%s.db)", path, e.Key)
	case !expanded:
	case env.Database == "":
		d.Problem(db, "%s.database is empty", path)
	default:
		resolved, err := resolveDatabase(dir, env.Database)
		if err != nil {
			d.Problem(db, "%s.database: %v", path, err)
		}
		env.Database = resolved
	}
	if env.Files != "" && expanded {
		resolved, err := resolveFiles(dir, env.Files)
		if err != nil {
			d.Problem(files, "%s.files: %v", path, err)
		}
		env.Files = resolved
	}
	if len(env.Approvals) > 0 && len(env.Requires) == 0 {
		d.Problem(approvals, "%s.approvals: sign-offs are given on the run of a required environment; add requires: [ENV]", path)
	}
	return env
}

// parseApprovals decodes approvals: a list of roles, each either a plain
// role (customer) or {role: customer, authenticated: true}: a sign-off
// that counts only when an account of the web server gave it.
func parseApprovals(d *conf.Doc, n *yaml.Node, path string, env *Environment) {
	what := path + ".approvals"
	for _, item := range d.Seq(n, what) {
		role, line := "", item
		authenticated := false
		if item.Kind == yaml.MappingNode {
			var roleNode *yaml.Node
			d.Map(item, "in "+what, conf.Keys{
				"role":          func(v *yaml.Node) { roleNode, role = v, strings.TrimSpace(d.String(v, what+".role")) },
				"authenticated": func(v *yaml.Node) { authenticated = d.Bool(v, what+".authenticated") },
			})
			if roleNode == nil {
				d.Problem(item, "%s: an entry needs role: (e.g. {role: customer, authenticated: true})", what)
				continue
			}
			line = roleNode
		} else {
			role = strings.TrimSpace(d.String(item, what))
		}
		switch {
		case !ValidRole(role):
			d.Problem(line, "%s: unknown role %q (roles: reviewer, customer, lead)", what, role)
		case slices.Contains(env.Approvals, role):
			d.Problem(line, "%s: role %s is listed twice", what, role)
		default:
			env.Approvals = append(env.Approvals, role)
			if authenticated {
				env.Authenticated = append(env.Authenticated, role)
			}
		}
	}
}

// checkRequires checks that requires names known environments, without cycles.
func checkRequires(p *Project, d *conf.Doc, ps *paths) {
	for _, name := range p.EnvOrder {
		for _, req := range p.Environments[name].Requires {
			if _, ok := p.Environments[req]; !ok {
				msg := fmt.Sprintf("environments.%s.requires: unknown environment %q", name, req)
				if s := conf.Suggest(req, p.EnvOrder); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				d.Errs.Add(d.File, ps.envLines[name], "%s", msg)
			}
		}
	}
	reported := map[string]bool{}
	for _, name := range p.EnvOrder {
		cycle := findCycle(p.Environments, name, nil)
		if cycle == nil || reported[cycle[0]] {
			continue
		}
		for _, c := range cycle {
			reported[c] = true
		}
		d.Errs.Add(d.File, ps.envLines[name], "environments: requires form a cycle: %s", strings.Join(cycle, " → "))
	}
}

// findCycle returns the environments of a requires cycle reachable from
// name, first and last the same, or nil.
func findCycle(envs map[string]*Environment, name string, stack []string) []string {
	for i, s := range stack {
		if s == name {
			return append(append([]string(nil), stack[i:]...), name)
		}
	}
	env, ok := envs[name]
	if !ok {
		return nil
	}
	stack = append(stack, name)
	for _, req := range env.Requires {
		if c := findCycle(envs, req, stack); c != nil {
			return c
		}
	}
	return nil
}

func parseGate(p *Project, d *conf.Doc, n *yaml.Node, ps *paths) {
	rate := func(dst **float64, what string, upper bool) func(v *yaml.Node) {
		return func(v *yaml.Node) {
			f, ok := d.Float(v, "gate."+what)
			switch {
			case !ok:
			case f < 0 || (upper && f > 1):
				limit := "between 0 and 1 (0.02 = 2 %)"
				if !upper {
					limit = "0 or more (0.1 = 10 %)"
				}
				d.Problem(v, "gate.%s: %v must be %s", what, f, limit)
			default:
				*dst = &f
			}
		}
	}
	d.Map(n, "in gate", conf.Keys{
		"max_reject_rate":         rate(&p.Gate.MaxRejectRate, "max_reject_rate", true),
		"max_reject_rate_overall": rate(&p.Gate.MaxRejectRateOverall, "max_reject_rate_overall", true),
		"max_count_change":        rate(&p.Gate.MaxCountChange, "max_count_change", false),
		"min_rows":                func(v *yaml.Node) { parseMinRows(p, d, v, ps) },
		"tests": func(v *yaml.Node) {
			switch s := d.String(v, "gate.tests"); s {
			case "required":
				p.Gate.TestsRequired = true
			case "optional", "":
			default:
				d.Problem(v, "gate.tests: %q is not required or optional", s)
			}
		},
		"max_unresolved_refs": func(v *yaml.Node) {
			i, ok := d.Int(v, "gate.max_unresolved_refs")
			switch {
			case !ok:
			case i < 0:
				d.Problem(v, "gate.max_unresolved_refs: %d must be 0 or more", i)
			default:
				p.Gate.MaxUnresolvedRefs = &i
			}
		},
	})
}

func parseMinRows(p *Project, d *conf.Doc, n *yaml.Node, ps *paths) {
	p.Gate.MinRows = map[string]int{}
	for _, e := range d.Entries(n, "in gate.min_rows") {
		i, ok := d.Int(e.Value, "gate.min_rows."+e.Key)
		if !ok {
			continue
		}
		if i < 0 {
			d.Errs.Add(d.File, e.Line, "gate.min_rows.%s: %d must be 0 or more", e.Key, i)
			continue
		}
		p.Gate.MinRows[e.Key] = i
		ps.minRowsLines[e.Key] = e.Line
	}
}

// expandLazily expands ${VAR} in an environment's database or files value.
// A variable that is not set is not a problem of the project: it becomes
// the environment's Unresolved error, reported only when a command uses
// that environment (an engineer without prod credentials can still work on
// dev). Any other problem of the value is reported at once.
func expandLazily(d *conf.Doc, n *yaml.Node, what string) (string, error) {
	raw := d.Text(n, what)
	if d.Getenv == nil || !strings.Contains(raw, "$") {
		return raw, nil
	}
	out, err := conf.Expand(raw, d.Getenv)
	if err == nil {
		return out, nil
	}
	var unset *conf.UnsetError
	if errors.As(err, &unset) {
		return "", &UnresolvedError{File: d.File, Line: n.Line, What: what, Err: err}
	}
	d.Problem(n, "%s: %v", what, err)
	return "", nil
}

// gateYAML is the gate: section re-encoded, for the run's archive.
func gateYAML(n *yaml.Node) []byte {
	data, err := yaml.Marshal(map[string]*yaml.Node{"gate": n})
	if err != nil {
		return nil
	}
	return data
}
