package state

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OutboxEvent is one event for one webhook. ID is the event's id, the
// same for every webhook and every attempt, for the receiver to drop
// duplicates (delivery is at least once). Hook is the webhook's key
// (notify.Webhook.Key): the outbox holds no URL or secret.
type OutboxEvent struct {
	ID        string
	Hook      string
	Type      string
	Body      []byte // the JSON posted
	Created   time.Time
	Attempts  int    // deliveries tried so far
	LastError string // of the last failed attempt, without credentials
}

// Enqueue writes events to the outbox (a zero Created is the store's
// clock). FinishRun, AddApproval and Record do it in their own
// transaction; Enqueue is for events that report nothing recorded.
func (s *Store) Enqueue(ctx context.Context, events ...OutboxEvent) error {
	if err := s.writable("queue events"); err != nil {
		return err
	}
	if err := s.inTx(ctx, func(tx *sql.Tx) error { return s.enqueue(ctx, tx, events) }); err != nil {
		return fmt.Errorf("queue events: %w", err)
	}
	return nil
}

func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, events []OutboxEvent) error {
	now := norm(s.now())
	for _, ev := range events {
		if ev.ID == "" || ev.Hook == "" || ev.Type == "" {
			return fmt.Errorf("queue event %q for %q: an event needs an id, a webhook and a type", ev.Type, ev.Hook)
		}
		created := ev.Created
		if created.IsZero() {
			created = now
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO outbox (id, migration, event_id, hook, type, body, created, next_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			s.migration+"/"+ev.ID+"/"+ev.Hook, s.migration, ev.ID, ev.Hook, ev.Type, string(ev.Body), s.t(created), s.t(now))
		if err != nil {
			return fmt.Errorf("queue event %s: %w", ev.Type, err)
		}
	}
	return nil
}

// ClaimEvents takes up to limit undelivered events of the migration that
// are due, oldest first, for hold: another sender skips them meanwhile.
// Report each with Delivered or DeliveryFailed.
func (s *Store) ClaimEvents(ctx context.Context, limit int, hold time.Duration) ([]OutboxEvent, error) {
	if err := s.writable("claim events"); err != nil {
		return nil, err
	}
	now := norm(s.now())
	var out []OutboxEvent
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		query := `SELECT event_id, hook, type, body, created, attempts, last_error FROM outbox
			WHERE migration = ? AND delivered IS NULL AND next_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)
			ORDER BY created, id LIMIT ?`
		if s.postgres {
			query += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := tx.QueryContext(ctx, s.q(query), s.migration, s.t(now), s.t(now), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var ev OutboxEvent
			var body string
			if err := rows.Scan(&ev.ID, &ev.Hook, &ev.Type, &body, nullTime{&ev.Created}, &ev.Attempts, &ev.LastError); err != nil {
				rows.Close()
				return err
			}
			ev.Body = []byte(body)
			out = append(out, ev)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, ev := range out {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE outbox SET claimed_until = ? WHERE id = ?`), s.t(now.Add(hold)), s.outboxID(ev)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim events: %w", err)
	}
	return out, nil
}

func (s *Store) outboxID(ev OutboxEvent) string { return s.migration + "/" + ev.ID + "/" + ev.Hook }

// Delivered records that ev reached its webhook.
func (s *Store) Delivered(ctx context.Context, ev OutboxEvent) error {
	if err := s.writable("record delivery"); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE outbox SET delivered = ?, attempts = attempts + 1, claimed_until = NULL WHERE id = ?`),
		s.t(s.now()), s.outboxID(ev))
	if err != nil {
		return fmt.Errorf("record delivery of event %s: %w", ev.ID, err)
	}
	return nil
}

// DeliveryFailed records a failed attempt; the event is due again at
// retry.
func (s *Store) DeliveryFailed(ctx context.Context, ev OutboxEvent, msg string, retry time.Time) error {
	if err := s.writable("record delivery"); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_at = ?, claimed_until = NULL WHERE id = ?`),
		msg, s.t(retry), s.outboxID(ev))
	if err != nil {
		return fmt.Errorf("record failed delivery of event %s: %w", ev.ID, err)
	}
	return nil
}

// PendingEvents counts the migration's undelivered events.
func (s *Store) PendingEvents(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM outbox WHERE migration = ? AND delivered IS NULL`), s.migration).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count pending events: %w", err)
	}
	return n, nil
}
