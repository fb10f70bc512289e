package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/protocol"
)

// ssePoll is how often a run's progress is sampled for its event stream.
const ssePoll = 500 * time.Millisecond

// sendRejects streams rejects/<entity>.<ext> of a run.
func (s *Server) sendRejects(w http.ResponseWriter, r *http.Request, m string, n int, entity, ext string) error {
	f, err := s.svc.Artifact(r.Context(), m, n, "rejects/"+entity+"."+ext)
	if err != nil {
		return err
	}
	defer f.Close()
	ctype := "text/csv; charset=utf-8"
	if ext == "xlsx" {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="run%d-%s-rejects.%s"`, n, entity, ext))
	return copyBody(w, f)
}

func copyBody(w io.Writer, r io.Reader) error {
	_, err := io.Copy(w, r)
	return err
}

// apiEvents streams a run's progress as server-sent events: "progress"
// events while it runs, one "done" event with the final status, then the
// stream ends.
func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, run, err := s.runOf(r, acc)
	if err != nil {
		return err
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		return errStatus(http.StatusInternalServerError, "streaming unsupported")
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(ssePoll)
	defer tick.Stop()
	for {
		final := run.Status != protocol.StatusRunning && run.Status != "queued"
		event := "progress"
		if final {
			event = "done"
		}
		data, _ := json.Marshal(map[string]any{"run": run.Run, "status": run.Status, "progress": run.Progress})
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
			return nil
		}
		fl.Flush()
		if final {
			return nil
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-s.stop:
			return nil
		case <-tick.C:
		}
		if run, err = s.svc.Run(r.Context(), m, run.Run); err != nil {
			return nil // the header is sent: the stream just ends
		}
	}
}
