package project

import (
	"errors"
	"strings"
	"testing"
)

func TestPortalLimits(t *testing.T) {
	p, err := Load(writeProject(t, map[string]string{"handover.yaml": threeEnvs + "portal: {max_file_size: 500MB, max_delivery_size: 2GiB}\n"}), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if p.Portal.MaxFileSize != 500_000_000 || p.Portal.MaxDeliverySize != 2<<30 {
		t.Errorf("portal: %+v", p.Portal)
	}
	_, err = Load(writeProject(t, map[string]string{"handover.yaml": threeEnvs + "portal: {max_file_size: lots, max_delivery_size: 1MB, max_files: 3}\n"}), env(nil))
	var list *Errors
	if !errors.As(err, &list) {
		t.Fatalf("Load = %v; want *Errors", err)
	}
	want := []string{
		`handover.yaml:13: portal.max_file_size: "lots" is not a size (like 500MB or 16GiB)`,
		`handover.yaml:13: unknown key "max_files" in portal`,
	}
	if got := list.Error(); got != strings.Join(want, "\n") {
		t.Errorf("problems\ngot:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	_, err = Load(writeProject(t, map[string]string{"handover.yaml": threeEnvs + "portal: {max_file_size: 2MB, max_delivery_size: 1MB}\n"}), env(nil))
	if err == nil || !strings.Contains(err.Error(), "max_file_size is larger than max_delivery_size") {
		t.Errorf("a file limit over the delivery limit: %v", err)
	}
}
