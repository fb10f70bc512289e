package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// finishedJobs is every run job of q that is no longer pending, with its
// run number.
func finishedJobs(t *testing.T, q *Queue) map[int]*rivertype.JobRow {
	t.Helper()
	res, err := q.client.JobList(context.Background(), river.NewJobListParams().Kinds(JobKind).
		States(rivertype.JobStateCompleted, rivertype.JobStateDiscarded, rivertype.JobStateCancelled, rivertype.JobStateRetryable).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]*rivertype.JobRow{}
	for _, j := range res.Jobs {
		out[argsRun(j.EncodedArgs)] = j
	}
	return out
}

// TestSlotsBoundRunsAcrossMigrations: Concurrency is the runs at once of
// the whole Serve — and with shared Slots of the whole process, across
// state stores — however many migrations are served. A job that waits
// for a slot longer than its time limit still runs, at its first attempt,
// and the runs of one migration start in queue order.
func TestSlotsBoundRunsAcrossMigrations(t *testing.T) {
	for _, n := range []int{1, 2} {
		t.Run(fmt.Sprintf("concurrency %d", n), func(t *testing.T) {
			q1 := openQueue(t, "sqlite://"+filepath.Join(t.TempDir(), "state.db"))
			q2 := openQueue(t, "sqlite://"+filepath.Join(t.TempDir(), "state.db"))
			enqueue(t, q1, "acme", 1, 2, 3)
			enqueue(t, q1, "globex", 11, 12)
			enqueue(t, q2, "initech", 21, 22)
			f := &fakeExecutor{hold: 150 * time.Millisecond}
			slots := NewSlots(n)
			// 7 runs of 150 ms one at a time: the last waits ~900 ms,
			// three times its time limit.
			cfg := ServeConfig{Slots: slots, SlotRetry: 20 * time.Millisecond, JobTimeout: 300 * time.Millisecond, RescueAfter: time.Minute}
			cfg1, cfg2 := cfg, cfg
			cfg1.Migrations, cfg2.Migrations = []string{"acme", "globex"}, []string{"initech"}
			stop1, stop2 := serve(t, q1, f, cfg1), serve(t, q2, f, cfg2)
			waitFor(t, "7 runs", func() bool { return len(f.executed()) >= 7 })
			for _, r := range []int{1, 2, 3, 11, 12} {
				waitFor(t, fmt.Sprintf("run %d's job to complete", r), func() bool { return finishedJobs(t, q1)[r] != nil })
			}
			for _, r := range []int{21, 22} {
				waitFor(t, fmt.Sprintf("run %d's job to complete", r), func() bool { return finishedJobs(t, q2)[r] != nil })
			}
			if err := stop1(); err != nil {
				t.Fatal(err)
			}
			if err := stop2(); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			most := f.maxAtOne
			f.mu.Unlock()
			if most != n {
				t.Errorf("%d runs at once at most, want %d (3 migrations, 2 state stores)", most, n)
			}
			executed := f.executed()
			if len(executed) != 7 {
				t.Errorf("executed %v, want each of the 7 runs once", executed)
			}
			var acme []int
			for _, r := range executed {
				if r < 10 {
					acme = append(acme, r)
				}
			}
			if n == 1 && !slices.Equal(acme, []int{1, 2, 3}) {
				t.Errorf("acme's runs started in the order %v, want [1 2 3]", acme)
			}
			for q, runs := range map[*Queue][]int{q1: {1, 2, 3, 11, 12}, q2: {21, 22}} {
				jobs := finishedJobs(t, q)
				for _, r := range runs {
					j := jobs[r]
					if j.State != rivertype.JobStateCompleted || j.Attempt != 1 || len(j.Errors) != 0 {
						t.Errorf("run %d's job: %s at attempt %d, errors %v; want completed at its first attempt", r, j.State, j.Attempt, j.Errors)
					}
				}
			}
		})
	}
}

// TestSlotsKeepAMigrationsOrder: a newer job of a migration does not take
// a free slot while an older one of the same migration waits for one.
func TestSlotsKeepAMigrationsOrder(t *testing.T) {
	s := NewSlots(1)
	now := time.Now()
	if ok, _ := s.take("other", 1, now, time.Second); !ok {
		t.Fatal("a free slot was not given")
	}
	if ok, first := s.take("acme", 5, now, time.Second); ok || !first {
		t.Fatalf("run 5 of acme got a taken slot (%v) or was not waiting for the first time (%v)", ok, first)
	}
	if ok, first := s.take("acme", 5, now, time.Second); ok || first {
		t.Fatalf("run 5 of acme asking again: %v, first %v", ok, first)
	}
	s.release()
	if ok, _ := s.take("acme", 6, now, time.Second); ok {
		t.Fatal("job 6 of acme took the free slot while job 5 waits for it")
	}
	if ok, _ := s.take("globex", 7, now, time.Second); !ok {
		t.Fatal("another migration's job did not get the free slot")
	}
	s.release()
	if ok, _ := s.take("acme", 5, now, time.Second); !ok {
		t.Fatal("job 5 of acme did not get the free slot")
	}
	s.release()
	// A waiting job that stops asking (another worker took it) holds no one up.
	if ok, _ := s.take("other", 1, now, time.Second); !ok {
		t.Fatal("a free slot was not given")
	}
	s.take("acme", 8, now, time.Second)
	s.release()
	if ok, _ := s.take("acme", 9, now.Add(2*time.Second), time.Second); !ok {
		t.Fatal("job 9 of acme waits for job 8, which has not asked for 2 s")
	}
}
