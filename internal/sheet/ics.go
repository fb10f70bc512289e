package sheet

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// WriteICS writes the runbook's steps as an iCalendar file (RFC 5545): one
// all-day event per step on its due date, its UID stable per migration and
// step so that a re-imported file updates the events instead of doubling
// them.
func WriteICS(w io.Writer, p *Runbook, migration string) error {
	bw := bufio.NewWriter(w)
	stamp := p.Today.UTC().Format("20060102T150405Z")
	lines := []string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//handover//plan//EN",
		"CALSCALE:GREGORIAN",
		"METHOD:PUBLISH",
		"X-WR-CALNAME:" + escapeText("handover "+migration),
	}
	for _, s := range p.Steps {
		lines = append(lines,
			"BEGIN:VEVENT",
			"UID:"+uid(migration, s.ID),
			"DTSTAMP:"+stamp,
			"DTSTART;VALUE=DATE:"+s.Due.Format("20060102"),
			"DTEND;VALUE=DATE:"+s.Due.AddDate(0, 0, 1).Format("20060102"),
			"SUMMARY:"+escapeText(fmt.Sprintf("%s: %s (%s)", s.When(), s.Title, s.Owner)),
			"DESCRIPTION:"+escapeText(description(s)),
			"CATEGORIES:"+escapeText(s.Owner),
			"TRANSP:TRANSPARENT",
			"END:VEVENT")
	}
	lines = append(lines, "END:VCALENDAR")
	for _, l := range lines {
		if _, err := bw.WriteString(fold(l)); err != nil {
			return fmt.Errorf("write calendar: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write calendar: %w", err)
	}
	return nil
}

func description(s *Step) string {
	d := fmt.Sprintf("Step %s, owner %s, status %s", s.ID, s.Owner, s.Status)
	if len(s.Evidence) > 0 {
		d += "\n" + strings.Join(s.Evidence, "\n")
	}
	if s.Note != "" {
		d += "\n" + s.Note
	}
	return d
}

// uid is the stable identifier of a step's event.
func uid(migration, step string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < 128 && (r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return r
			}
			return '-'
		}, s)
	}
	return clean(step) + "." + clean(migration) + "@handover"
}

// escapeText escapes an iCalendar TEXT value.
func escapeText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// fold splits a content line into lines of at most 75 octets, never inside
// a UTF-8 sequence, continuation lines starting with a space, each ending
// in CRLF.
func fold(line string) string {
	var b strings.Builder
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}
