package pipeline

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// Delivery settings of a pipeline. A channel without its settings is skipped, and the
// skip is recorded as a failed delivery naming the missing setting.
type Delivery struct {
	Mailer   *notify.Mailer  // nil: no e-mail (no SMTP configured)
	Webhook  *notify.Webhook // nil: no webhooks (no secret configured)
	Location *time.Location  // zone of "weekly on Monday" and of dates in messages
	BaseURL  string          // links to the API for notices without a web address
	// DryRun, when set, writes each digest here instead of sending, and records nothing.
	DryRun io.Writer
}

// NotifyReport counts what a notify step did.
type NotifyReport struct {
	Digests  int `json:"digests"`  // members with something to send
	Sent     int `json:"sent"`     // deliveries that succeeded
	Failed   int `json:"failed"`   // deliveries that failed
	Notified int `json:"notified"` // matches marked notified
}

// maxNewPerMember bounds how many new matches of one member are read to build a digest;
// a digest holds at most the rules' max_per_digest of them anyway.
const maxNewPerMember = 500

// Notify sends each premium member a digest of its new matches, by the channels it chose,
// records every delivery in the store and marks the matches sent as notified. Matches are
// marked only after a successful delivery: a failed channel is tried again next run.
func (p *Pipeline) Notify(ctx context.Context, runID string, d Delivery) (NotifyReport, error) {
	var rep NotifyReport
	rules, err := p.Rules(ctx)
	if err != nil {
		return rep, err
	}
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	now := p.now()
	members, err := p.Store.Members(ctx)
	if err != nil {
		return rep, err
	}
	for i := range members {
		m := members[i]
		if m.Tier != passerelle.TierPremium || m.Notify.Frequency == "off" {
			continue
		}
		page, err := p.Store.MatchesPage(ctx, m.ID, store.MatchQuery{State: passerelle.MatchNew, Limit: maxNewPerMember})
		if err != nil {
			return rep, err
		}
		if len(page.Matches) == 0 {
			continue
		}
		items, err := p.items(ctx, page.Matches)
		if err != nil {
			return rep, err
		}
		dg, ok := notify.Build(m, items, rules.MaxPerDigest, now, loc)
		if !ok {
			continue
		}
		dg.BaseURL = d.BaseURL
		rep.Digests++
		if d.DryRun != nil {
			fmt.Fprintf(d.DryRun, "== %s <%s>\nSubject: %s\n\n%s\n", m.ID, contactList(m), dg.Subject(), dg.TextBody())
			continue
		}
		delivered := false
		for _, ch := range channels(m) {
			del := store.Delivery{Run: runID, Member: m.ID, Channel: ch, At: p.now()}
			for _, it := range dg.Items {
				del.Opportunities = append(del.Opportunities, it.Opportunity.ID)
			}
			var err error
			switch ch {
			case "email":
				del.Target = contactList(m)
				switch {
				case d.Mailer == nil:
					err = fmt.Errorf("no SMTP server configured (set smtp / PASSERELLE_SMTP)")
				case len(m.Contacts) == 0:
					err = fmt.Errorf("member has no contact e-mail")
				default:
					err = d.Mailer.Send(ctx, dg)
				}
			case "webhook":
				del.Target = m.Notify.WebhookURL
				if d.Webhook == nil {
					err = fmt.Errorf("no webhook secret configured (set webhook_secret / PASSERELLE_WEBHOOK_SECRET)")
				} else {
					err = d.Webhook.Send(ctx, dg, fmt.Sprintf("%s-%s-%s", runID, m.ID, ch))
				}
			}
			del.OK = err == nil
			if err != nil {
				del.Error = err.Error()
				rep.Failed++
				p.log().Warn("delivery failed", "member", m.ID, "channel", ch, "err", err)
			} else {
				rep.Sent++
				delivered = true
			}
			if _, err := p.Store.AddDelivery(ctx, del); err != nil {
				return rep, err
			}
		}
		if !delivered {
			continue
		}
		sent := make([]passerelle.Match, len(dg.Items))
		for j, it := range dg.Items {
			sent[j] = it.Match
			sent[j].State = passerelle.MatchNotified
		}
		n, err := p.Store.PutMatches(ctx, sent, p.now())
		if err != nil {
			return rep, err
		}
		rep.Notified += n
	}
	return rep, nil
}

// items pairs matches with their opportunities, skipping any whose opportunity is gone.
func (p *Pipeline) items(ctx context.Context, ms []passerelle.Match) ([]notify.Item, error) {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.Opportunity
	}
	ops, err := p.Store.Opportunities(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]passerelle.Opportunity, len(ops))
	for _, o := range ops {
		byID[o.ID] = o
	}
	out := make([]notify.Item, 0, len(ms))
	for _, m := range ms {
		if o, ok := byID[m.Opportunity]; ok {
			out = append(out, notify.Item{Match: m, Opportunity: o})
		}
	}
	return out, nil
}

// channels are a member's chosen channels; e-mail when it chose none.
func channels(m passerelle.Member) []string {
	if len(m.Notify.Channels) > 0 {
		return m.Notify.Channels
	}
	return []string{"email"}
}

func contactList(m passerelle.Member) string {
	emails := make([]string, len(m.Contacts))
	for i, c := range m.Contacts {
		emails[i] = c.Email
	}
	return strings.Join(emails, ", ")
}
