package project

import (
	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/project/conf"
)

// Portal is the portal: section of handover.yaml: what a customer may
// upload through `handover serve` in one delivery. Zero: the server's
// defaults (see app.DefaultMaxFileSize, app.DefaultMaxDeliverySize).
type Portal struct {
	MaxFileSize     int64 // portal.max_file_size: bytes one uploaded (or unzipped) file may hold
	MaxDeliverySize int64 // portal.max_delivery_size: bytes one delivery may hold, unzipped
}

func parsePortal(p *Project, d *conf.Doc, n *yaml.Node) {
	size := func(dst *int64, what string) func(v *yaml.Node) {
		return func(v *yaml.Node) {
			s := d.String(v, what)
			if s == "" {
				return
			}
			b, err := extract.ParseSize(s)
			if err != nil {
				d.Problem(v, "%s: %v", what, err)
				return
			}
			*dst = b
		}
	}
	d.Map(n, "in portal", conf.Keys{
		"max_file_size":     size(&p.Portal.MaxFileSize, "portal.max_file_size"),
		"max_delivery_size": size(&p.Portal.MaxDeliverySize, "portal.max_delivery_size"),
	})
	if p.Portal.MaxFileSize > 0 && p.Portal.MaxDeliverySize > 0 && p.Portal.MaxFileSize > p.Portal.MaxDeliverySize {
		d.Problem(n, "portal: max_file_size is larger than max_delivery_size: a file could never be delivered whole")
	}
}
