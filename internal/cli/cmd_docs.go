package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/docs"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/value"
)

func (a *app) docsCommand() *cobra.Command {
	var out, region, zone string
	cmd := &cobra.Command{
		Use:   "docs [-o FILE.html|FILE.md]",
		Short: "Document the import format for the customer (Markdown or HTML)",
		Long: `docs writes the target format as documentation for the customer who fills
it: every entity and field with its type, whether it is required, how to
write a value, the allowed values, references between entities, an example
of a valid value, and in plain words when a row is not imported.

Markdown goes to stdout unless -o names a file; a file ending in .html is a
self-contained, printable HTML page. Dates are documented as the template
asks for them (DD.MM.YYYY); --phone-region and --timezone should match what
was given to handover template.`,
		Example: `  handover docs > FORMAT.md
  handover docs -o import-format.html --phone-region CH
  handover docs -o format.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.json && out == "" {
				return usageErr("docs writes Markdown or HTML, not JSON: add -o FILE (then --json reports the file written)")
			}
			fp, err := a.formatProject()
			if err != nil {
				return err
			}
			o, err := docOptions(fp, region, zone)
			if err != nil {
				return err
			}
			return a.writeDocs(docs.Build(fp.format, o), out)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE (.html: HTML, otherwise Markdown); default: Markdown on stdout")
	addPromiseFlags(cmd, &region, &zone)
	return cmd
}

func (a *app) writeDocs(d *docs.Doc, out string) error {
	if out == "" {
		return docs.WriteMarkdown(a.stdout, d)
	}
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("docs: %w", err)
	}
	write := docs.WriteMarkdown
	if strings.EqualFold(filepath.Ext(out), ".html") || strings.EqualFold(filepath.Ext(out), ".htm") {
		write = docs.WriteHTML
	}
	if err := write(f, d); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("docs: %w", err)
	}
	if a.json {
		return a.printJSON(map[string]string{"file": out})
	}
	fmt.Fprintf(a.stdout, "wrote %s\n", out)
	return nil
}

// addPromiseFlags adds the flags that decide what the template and the
// documentation promise: the phone region and the time zone.
func addPromiseFlags(cmd *cobra.Command, region, zone *string) {
	cmd.Flags().StringVar(region, "phone-region", "", "accept national phone numbers of this country (ISO code, e.g. CH); default: international numbers only")
	cmd.Flags().StringVar(zone, "timezone", "", "time zone date-times are written in (IANA name, e.g. Europe/Zurich); default: UTC")
}

func docOptions(fp *formatProject, region, zone string) (docs.Options, error) {
	o := docs.Options{Migration: fp.migration, Customer: fp.customer, PhoneRegion: region, TimeZone: zone}
	if region != "" {
		if err := value.CheckRegion(region); err != nil {
			return o, usageErr("--phone-region: %w", err)
		}
	}
	if zone != "" {
		if _, err := time.LoadLocation(zone); err != nil || zone == "Local" {
			return o, usageErr("--timezone: unknown time zone %q (use an IANA name such as Europe/Zurich)", zone)
		}
	}
	return o, nil
}

// formatProject is what template, docs and suggest need of a project: its
// names, its format and where recipes and lookup tables go. It is read
// without requiring a recipe for every entity, since a project being set
// up has none yet.
type formatProject struct {
	dir                 string
	migration, customer string
	format              *format.Format
	recipes, lookups    string // absolute directories
}

// formatProject reads handover.yaml of -C DIR for the format's path and
// loads the format; problems are configuration errors.
func (a *app) formatProject() (*formatProject, error) {
	dir, err := project.ResolveDir(a.dir)
	if err != nil {
		return nil, configErr(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, project.ConfigFile))
	if err != nil {
		return nil, configErr(fmt.Errorf("read project: %w", err))
	}
	var c struct {
		Migration string `yaml:"migration"`
		Customer  string `yaml:"customer"`
		Format    string `yaml:"format"`
		Recipes   string `yaml:"recipes"`
		Lookups   string `yaml:"lookups"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, configErr(fmt.Errorf("%s: %w", project.ConfigFile, err))
	}
	abs := func(p, def string) string {
		if p == "" {
			p = def
		}
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	f, err := format.LoadFormat(abs(c.Format, "format.yaml"))
	if err != nil {
		return nil, configErr(err)
	}
	return &formatProject{dir: dir, migration: c.Migration, customer: c.Customer, format: f,
		recipes: abs(c.Recipes, "recipes"), lookups: abs(c.Lookups, "lookups")}, nil
}
