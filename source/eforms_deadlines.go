package source

import (
	"sort"
	"time"

	"github.com/passerelle/passerelle"
)

// eformsPeriods are the three time limits an eForms notice may set for the economic
// operators, in the order a procedure meets them. Each is a deadline for someone who wants
// the contract: a restricted procedure first takes requests to participate (BT-1311), a
// prior-information notice used as a call for competition takes expressions of interest
// (BT-630), an open procedure takes tenders (BT-131).
var eformsPeriods = []struct {
	stage string
	path  []string // under the lot's TenderingProcess
}{
	{"expressions of interest", []string{"UBLExtensions", "UBLExtension", "ExtensionContent", "EformsExtension", "InterestExpressionReceptionPeriod"}},
	{"requests to participate", []string{"ParticipationRequestReceptionPeriod"}},
	{"tenders", []string{"TenderSubmissionDeadlinePeriod"}},
}

// eformsDeadlines reads BT-630, BT-1311 and BT-131 of every lot (and of the procedure's own
// TenderingProcess, where some senders put them). The deadline is the earliest limit: the one
// not to miss. When limits of different kinds fall on different dates (requests to participate,
// then tenders), each becomes a stage with its earliest date, in date order. It returns the field at
// fault when a date cannot be read.
func eformsDeadlines(root *node, lots []*node, loc *time.Location) (deadline *time.Time, stages []passerelle.Stage, field string, err error) {
	processes := []*node{root.child("TenderingProcess")}
	for _, lot := range lots {
		processes = append(processes, lot.child("TenderingProcess"))
	}
	earliest := map[string]*time.Time{}
	for _, tp := range processes {
		if tp == nil {
			continue
		}
		for _, p := range eformsPeriods {
			n := tp.path(p.path...)
			if n == nil {
				continue
			}
			d, err := eformsDate(n.child("EndDate").value(), n.child("EndTime").value(), loc, true)
			if err != nil {
				return nil, nil, p.path[len(p.path)-1], err
			}
			if d == nil {
				continue
			}
			// Lots may close on different days; the earliest is the one not to miss.
			if e := earliest[p.stage]; e == nil || d.Before(*e) {
				earliest[p.stage] = d
			}
		}
	}
	for _, p := range eformsPeriods {
		d := earliest[p.stage]
		if d == nil {
			continue
		}
		// Many notices repeat the tender deadline as the limit for expressions of interest:
		// one date is one step, named by the first kind that sets it.
		same := false
		for _, s := range stages {
			same = same || s.Deadline.Equal(*d)
		}
		if !same {
			stages = append(stages, passerelle.Stage{Name: p.stage, Deadline: d})
		}
	}
	if len(stages) == 0 {
		return nil, nil, "", nil
	}
	sort.SliceStable(stages, func(i, j int) bool { return stages[i].Deadline.Before(*stages[j].Deadline) })
	first := *stages[0].Deadline
	if len(stages) == 1 {
		stages = nil
	}
	return &first, stages, "", nil
}
