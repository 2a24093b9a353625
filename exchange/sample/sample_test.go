package sample_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/xchangedesk/xchangedesk/exchange"
	"github.com/xchangedesk/xchangedesk/exchange/sample"
	"github.com/xchangedesk/xchangedesk/store"
)

// The sample must load, under every rule, whatever day it is loaded on.
func TestTheSampleProgrammeKeepsEveryRuleAllYearRound(t *testing.T) {
	for day := exchange.NewDate(2026, time.January, 1); day.Before(exchange.NewDate(2027, time.January, 10)); day = day.AddDays(9) {
		t.Run(day.String(), func(t *testing.T) {
			s, err := store.Open(filepath.Join(t.TempDir(), "x.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			data := sample.Programme(day)
			if err := s.Load(store.Seed(data)); err != nil {
				t.Fatal(err)
			}
			statuses := map[exchange.Status]int{}
			for _, p := range data.Placements {
				statuses[p.Status]++
			}
			if len(data.Placements) < 30 || len(data.Visitors) < 20 || len(statuses) != len(exchange.Statuses) {
				t.Fatalf("%d placements, %d visitors, statuses %v", len(data.Placements), len(data.Visitors), statuses)
			}
		})
	}
}

func TestSampleAddressesAreValid(t *testing.T) {
	for _, v := range sample.Programme(exchange.NewDate(2026, time.November, 22)).Visitors {
		if err := exchange.CheckEmail("email", v.Email); err != nil {
			t.Errorf("%s: %v", v.Name, err)
		}
	}
}
