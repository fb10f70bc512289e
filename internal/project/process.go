package project

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/project/conf"
	"github.com/handover/handover/internal/webhook"
)

// This file reads the process half of handover.yaml: freeze:, plan: and
// notify:. The runbook's own rules (which steps exist, what due: means)
// live in package runbook, which imports this one: the application checks plan:
// against them with runbook.ValidateOverrides, inside LoadChecked's pass.

var stepIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func parseFreeze(p *Project, d *conf.Doc, n *yaml.Node, ps *paths) {
	d.Map(n, "in freeze", conf.Keys{
		"required": func(v *yaml.Node) {
			if v.Kind != yaml.ScalarNode || v.Tag != "!!null" {
				p.Freeze.Off = !d.Bool(v, "freeze.required")
			}
		},
		"environments": func(v *yaml.Node) {
			p.Freeze.Environments = d.Strings(v, "freeze.environments")
			ps.freezeLine = v.Line
		},
	})
}

// checkFreeze checks that freeze.environments names known environments.
func checkFreeze(p *Project, d *conf.Doc, ps *paths) {
	for _, name := range p.Freeze.Environments {
		if _, ok := p.Environments[name]; !ok {
			msg := fmt.Sprintf("freeze.environments: unknown environment %q", name)
			if s := conf.Suggest(name, p.EnvOrder); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.Errs.Add(d.File, ps.freezeLine, "%s", msg)
		}
	}
}

// FreezeEnvs are the environments whose imports of a later extraction need
// the source frozen: freeze.environments, or by default each environment
// that requires another and that no environment requires (prod). Nil when
// the policy is off.
func (p *Project) FreezeEnvs() []string {
	if p.Freeze.Off {
		return nil
	}
	if len(p.Freeze.Environments) > 0 {
		return p.Freeze.Environments
	}
	required := map[string]bool{}
	for _, env := range p.Environments {
		for _, r := range env.Requires {
			required[r] = true
		}
	}
	var out []string
	for _, name := range p.EnvOrder {
		if len(p.Environments[name].Requires) > 0 && !required[name] {
			out = append(out, name)
		}
	}
	return out
}

func parsePlan(p *Project, d *conf.Doc, n *yaml.Node) {
	seen := map[string]int{}
	for i, item := range d.Seq(n, "plan") {
		where := fmt.Sprintf("plan[%d]", i)
		if id := conf.ScalarAt(item, "id"); id != "" {
			where = fmt.Sprintf("plan step %q", id)
		}
		s, ok := parsePlanStep(d, item, where)
		if !ok {
			continue
		}
		if first, dup := seen[s.ID]; dup {
			d.Problem(item, "%s: repeated (first at line %d); change a step in one entry", where, first)
			continue
		}
		seen[s.ID] = s.Line
		p.Plan = append(p.Plan, s)
	}
}

func parsePlanStep(d *conf.Doc, n *yaml.Node, where string) (PlanStep, bool) {
	s := PlanStep{Line: conf.Line(n)}
	var others []string
	str := func(dst *string, key string) func(v *yaml.Node) {
		return func(v *yaml.Node) {
			*dst = strings.TrimSpace(d.String(v, where+"."+key))
			if key != "id" && *dst != "" {
				others = append(others, key)
			}
		}
	}
	before := d.Errs.Len()
	if !d.Map(n, "in "+where, conf.Keys{
		"id":     str(&s.ID, "id"),
		"title":  str(&s.Title, "title"),
		"owner":  str(&s.Owner, "owner"),
		"due":    str(&s.Due, "due"),
		"after":  str(&s.After, "after"),
		"remove": func(v *yaml.Node) { s.Remove = d.Bool(v, where+".remove") },
	}) {
		return s, false
	}
	switch {
	case s.ID == "":
		d.Problem(n, "%s: id missing (a default step such as customer_validation, or a new one)", where)
	case !stepIDRE.MatchString(s.ID):
		d.Problem(n, "%s: id may hold only lower-case letters, digits, - and _", where)
	case s.Remove && len(others) > 0:
		d.Problem(n, "%s: remove: true takes no %s", where, strings.Join(others, ", "))
	}
	return s, d.Errs.Len() == before
}

func parseNotify(p *Project, d *conf.Doc, n *yaml.Node) {
	d.Map(n, "in notify", conf.Keys{
		"webhooks":   func(v *yaml.Node) { parseWebhooks(p, d, v) },
		"public_url": func(v *yaml.Node) { p.PublicURL = parsePublicURL(d, v) },
	})
}

// parsePublicURL reads notify.public_url: the address of handover serve as
// the receivers of events reach it, so that events link to runs and
// rejects instead of naming directories on the engineer's machine.
func parsePublicURL(d *conf.Doc, v *yaml.Node) string {
	s := strings.TrimRight(strings.TrimSpace(d.String(v, "notify.public_url")), "/")
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		d.Problem(v, "notify.public_url: %q is not an http(s) address with a host (e.g. https://handover.example.com)", s)
		return ""
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		d.Problem(v, "notify.public_url: give the server's address alone, without credentials, query or fragment")
		return ""
	}
	return s
}

func parseWebhooks(p *Project, d *conf.Doc, n *yaml.Node) {
	names := map[string]int{}
	for i, item := range d.Seq(n, "notify.webhooks") {
		where := fmt.Sprintf("notify.webhooks[%d]", i)
		var w webhook.Webhook
		expanded := true // false when a ${VAR} failed: the value is not checked further
		str := func(v *yaml.Node, key string) string {
			before := d.Errs.Len()
			s := strings.TrimSpace(d.String(v, where+"."+key))
			expanded = expanded && d.Errs.Len() == before
			return s
		}
		before := d.Errs.Len()
		if !d.Map(item, "in "+where, conf.Keys{
			"name":   func(v *yaml.Node) { w.Name = str(v, "name") },
			"url":    func(v *yaml.Node) { w.URL = str(v, "url") },
			"secret": func(v *yaml.Node) { w.Secret = str(v, "secret") },
			"events": func(v *yaml.Node) { w.Events = d.Strings(v, where+".events") },
		}) || !expanded {
			continue
		}
		if err := w.Validate(); err != nil {
			d.Problem(item, "%s: %v", where, err)
			continue
		}
		if w.Name != "" {
			if first, dup := names[w.Name]; dup {
				d.Problem(item, "%s: name %q repeated (first at line %d)", where, w.Name, first)
				continue
			}
			names[w.Name] = conf.Line(item)
		}
		if d.Errs.Len() == before {
			p.Webhooks = append(p.Webhooks, w)
		}
	}
}
