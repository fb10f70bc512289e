package engine

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/project"
)

// TestSpecCarriesNoDSNOrSecret checks the engine's input: a Spec taken from
// a project whose environments have a DSN with a password and whose
// webhook has a secret holds neither, nor any type that could (an
// environment, a webhook), and a run from it still succeeds.
func TestSpecCarriesNoDSNOrSecret(t *testing.T) {
	for _, banned := range []reflect.Type{reflect.TypeOf(project.Environment{}), reflect.TypeOf(notify.Webhook{})} {
		if path := reaches(reflect.TypeOf(Spec{}), banned, "Spec", map[reflect.Type]bool{}); path != "" {
			t.Errorf("%s holds a %s", path, banned)
		}
	}

	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	const dsn, secret = "postgres://handover:dsn-s3cret@db.example/prod", "hook-s3cret"
	f.project.Environments = map[string]*project.Environment{"prod": {Name: "prod", Database: dsn}}
	f.project.EnvOrder = []string{"prod"}
	f.project.Webhooks = []notify.Webhook{{URL: "https://hooks.example/x", Secret: secret}}
	spec := SpecOf(f.project)
	for _, s := range strings_(reflect.ValueOf(spec), map[uintptr]bool{}) {
		if strings.Contains(s, "s3cret") {
			t.Errorf("the spec holds %q", s)
		}
	}
	if _, err := Written(Check(context.Background(), spec, f.options(nil).Options)); err != nil {
		t.Fatalf("check from the spec: %v", err)
	}
}

// reaches returns the field path by which t holds banned, "" when it does not.
func reaches(t, banned reflect.Type, path string, seen map[reflect.Type]bool) string {
	if t == banned {
		return path
	}
	if seen[t] {
		return ""
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return reaches(t.Elem(), banned, path+"[]", seen)
	case reflect.Map:
		if p := reaches(t.Key(), banned, path+"{key}", seen); p != "" {
			return p
		}
		return reaches(t.Elem(), banned, path+"{}", seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if p := reaches(t.Field(i).Type, banned, path+"."+t.Field(i).Name, seen); p != "" {
				return p
			}
		}
	}
	return ""
}

// strings_ lists every string v holds, following pointers, slices, maps
// and struct fields (unexported ones too).
func strings_(v reflect.Value, seen map[uintptr]bool) []string {
	switch v.Kind() {
	case reflect.String:
		return []string{v.String()}
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return nil
		}
		seen[v.Pointer()] = true
		return strings_(v.Elem(), seen)
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return strings_(v.Elem(), seen)
	case reflect.Slice, reflect.Array:
		var out []string
		for i := range v.Len() {
			out = append(out, strings_(v.Index(i), seen)...)
		}
		return out
	case reflect.Map:
		var out []string
		for it := v.MapRange(); it.Next(); {
			out = append(out, strings_(it.Key(), seen)...)
			out = append(out, strings_(it.Value(), seen)...)
		}
		return out
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			out = append(out, strings_(v.Field(i), seen)...)
		}
		return out
	}
	return nil
}
