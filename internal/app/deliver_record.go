package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// deliveryRecord is what the state store keeps of an extraction uploaded
// through the portal or submitted by the customer (a fact per extraction).
type deliveryRecord struct {
	By          string    `json:"by,omitempty"`  // who uploaded it; "" when it was received otherwise
	Run         int       `json:"run,omitempty"` // the check queued with the upload
	SubmittedBy string    `json:"submitted_by,omitempty"`
	Submitted   time.Time `json:"submitted,omitzero"`
}

func deliveryKey(n int) string { return "delivery/" + strconv.Itoa(n) }

// getDelivery reads extraction n's record; a zero record when none.
func getDelivery(ctx context.Context, st Store, n int) (deliveryRecord, error) {
	var rec deliveryRecord
	v, _, ok, err := st.Fact(ctx, deliveryKey(n))
	if err != nil || !ok {
		return rec, err
	}
	if err := json.Unmarshal([]byte(v), &rec); err != nil {
		return rec, fmt.Errorf("read delivery %d: %w", n, err)
	}
	return rec, nil
}

func setDelivery(ctx context.Context, st Store, n int, rec deliveryRecord, at time.Time) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := st.SetFact(ctx, deliveryKey(n), string(data), at); err != nil {
		return fmt.Errorf("record delivery %d: %w", n, err)
	}
	return nil
}
