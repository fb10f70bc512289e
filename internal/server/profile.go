package server

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/handover/handover/internal/report"
)

// Geometry of the column profile charts (inline SVG, viewBox units; no
// script, no style attribute: the CSP holds).
const (
	fillLabelW = 180.0 // fill-rate chart: column names
	fillBarW   = 400.0
	fillRowH   = 18.0
	fillChartW = fillLabelW + fillBarW + 70
	topLabelW  = 150.0 // top-values chart: values
	topBarW    = 160.0
	topRowH    = 16.0
	topChartW  = topLabelW + topBarW + 70
	topShown   = 5  // most frequent values drawn per column
	labelRunes = 24 // characters of a label before it is shortened
	maxProfile = 16 << 20
)

// profileChart is one entity's column profile, ready to draw.
type profileChart struct {
	Entity  string
	Rows    int64
	Fill    []bar // one per column: its fill rate
	Columns []columnChart
	Geometry
}

// columnChart is one column's figures and top-values chart.
type columnChart struct {
	Column, Distinct, Range string
	MaxLen                  int
	Top                     []bar
	Geometry
}

// Geometry is a chart's size and where its labels end and bars begin.
type Geometry struct {
	W, H, LabelX, BarX, BarW float64
}

// bar is one labelled bar; Value is the text after it.
type bar struct {
	Label, Title, Value string
	Y, W, TextY, ValueX float64
}

// loadProfile reads the run's profile.json; nil when the run has none (an
// older run, a failed one) or it does not decode (logged).
func (s *Server) loadProfile(r *http.Request, m string, n int) []profileChart {
	f, err := s.svc.Artifact(r.Context(), m, n, "profile.json")
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		s.log.Warn("read profile", slog.String("migration", m), slog.Int("run", n), slog.Any("error", err))
		return nil
	}
	defer f.Close()
	var pf report.ProfileFile
	if err := json.NewDecoder(io.LimitReader(f, maxProfile)).Decode(&pf); err != nil {
		s.log.Warn("decode profile", slog.String("migration", m), slog.Int("run", n), slog.Any("error", err))
		return nil
	}
	return profileCharts(pf)
}

// profileCharts scales the profiles to their charts.
func profileCharts(pf report.ProfileFile) []profileChart {
	var out []profileChart
	for _, e := range pf.Entities {
		pc := profileChart{Entity: e.Entity}
		for i, c := range e.Columns {
			pc.Rows = max(pc.Rows, c.Total)
			y := float64(i) * fillRowH
			pc.Fill = append(pc.Fill, bar{Label: short(c.Column), Title: c.Column, Value: percent(c.FillRate()),
				Y: y + 3, W: fillBarW * c.FillRate(), TextY: y + 13, ValueX: fillLabelW + fillBarW*c.FillRate() + 6})
			cc := columnChart{Column: c.Column, Distinct: strconv.Itoa(c.Distinct), MaxLen: c.MaxLen}
			if c.DistinctCapped {
				cc.Distinct = ">" + cc.Distinct
			}
			if c.Min != "" || c.Max != "" {
				cc.Range = c.Min + " … " + c.Max
			}
			for j, t := range c.Top[:min(len(c.Top), topShown)] {
				w := 0.0
				if c.TopRows > 0 {
					w = topBarW * float64(t.Count) / float64(c.TopRows)
				}
				y := float64(j) * topRowH
				cc.Top = append(cc.Top, bar{Label: short(t.Value), Title: t.Value, Value: strconv.FormatInt(t.Count, 10),
					Y: y + 3, W: max(w, 1), TextY: y + 12, ValueX: topLabelW + max(w, 1) + 6})
			}
			cc.Geometry = Geometry{W: topChartW, H: float64(len(cc.Top)) * topRowH, LabelX: topLabelW - 6, BarX: topLabelW, BarW: topBarW}
			pc.Columns = append(pc.Columns, cc)
		}
		pc.Geometry = Geometry{W: fillChartW, H: float64(len(e.Columns)) * fillRowH, LabelX: fillLabelW - 6, BarX: fillLabelW, BarW: fillBarW}
		out = append(out, pc)
	}
	return out
}

func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + " %" }

// short cuts a label to labelRunes characters.
func short(s string) string {
	if utf8.RuneCountInString(s) <= labelRunes {
		return s
	}
	r := []rune(s)
	return string(r[:labelRunes-1]) + "…"
}
