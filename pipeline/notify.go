package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// A Channel carries digests one way. notify.Mailer and notify.Webhook are channels.
type Channel interface {
	// Target is where m's digests go on this channel (shown to staff, never a secret), or
	// why they cannot go (no contact, no URL).
	Target(m passerelle.Member) (string, error)
	// Send delivers d; d.ID names it, the same on every attempt.
	Send(ctx context.Context, d notify.Digest) error
}

// Delivery settings of a pipeline. A channel a member chose but that is not configured is
// recorded as a failed delivery naming the missing setting.
type Delivery struct {
	// Channels by name ("email", "webhook"); a missing name is not configured.
	Channels map[string]Channel
	Location *time.Location // zone of days and weeks, and of dates in messages
	BaseURL  string         // links to Passerelle's pages
	// Association is the name that heads the digests; empty: notify.DefaultAssociation.
	Association string
	// DryRun, when set, writes each digest here instead of sending, and records nothing.
	DryRun io.Writer

	secret []byte // signs the digests' links; read from the store by Notify
}

// unconfigured says how to turn a channel on.
var unconfigured = map[string]string{
	"email":   "no SMTP server configured (set smtp / PASSERELLE_SMTP)",
	"webhook": "no webhook secret configured (set webhook_secret / PASSERELLE_WEBHOOK_SECRET)",
}

// NotifyReport counts what a notify step did.
type NotifyReport struct {
	Digests  int `json:"digests"`  // digests made this time (at most one per member and period)
	Sent     int `json:"sent"`     // channel deliveries that succeeded
	Failed   int `json:"failed"`   // channel deliveries that failed (tried again next run)
	Notified int `json:"notified"` // matches carried by a digest delivered at least once
	// Channels split Sent and Failed per channel, with the first errors (staff read them on
	// the run's page).
	Channels []passerelle.ChannelRun `json:"channels"`
}

// tally counts one delivery on its channel; err is nil when it worked.
func (r *NotifyReport) tally(channel, member string, err error) {
	i := slices.IndexFunc(r.Channels, func(c passerelle.ChannelRun) bool { return c.Channel == channel })
	if i < 0 {
		r.Channels = append(r.Channels, passerelle.ChannelRun{Channel: channel, Errors: []string{}})
		i = len(r.Channels) - 1
	}
	c := &r.Channels[i]
	if err == nil {
		c.Sent++
		return
	}
	c.Failed++
	if len(c.Errors) < passerelle.MaxChannelErrors {
		c.Errors = append(c.Errors, member+": "+err.Error())
	}
}

// messageIDer is a channel that can say, before sending, the id its message will carry
// (notify.Mailer: the Message-ID header; notify.Webhook: the webhook-id header).
type messageIDer interface {
	MessageIDOf(digestID string) string
}

// maxNewPerMember bounds how many new matches of one member are read to build a digest;
// a digest holds at most the rules' max_per_digest of them anyway.
const maxNewPerMember = 2000

// Notify finishes the digests that still owe a channel (a failed webhook, a process killed
// mid-send), then makes each premium member's digest of the current period, if it has none
// yet, and delivers it by each of its channels.
//
// The promises, kept by the store's digest records (store.Digest):
//   - At most one digest per member per period (a day, or the ISO week of a weekly member),
//     however many runs or `notify` calls: the record of the period is created once.
//   - It carries the best max_per_digest new matches and says how many more wait on the
//     member's page; those are held, never sent by a later digest.
//   - Each channel is delivered once: its intent is recorded before the attempt, its
//     outcome after. A failed channel alone is tried again next run; one that succeeded
//     never is. If the process dies between an accepted send and its record, the next run
//     sends again with the same id (Message-ID, webhook-id), so the receiver sees a resend
//     of one message, not a second digest. A match becomes notified in the transaction
//     that records the first channel that delivered it.
func (p *Pipeline) Notify(ctx context.Context, runID string, d Delivery) (NotifyReport, error) {
	var rep NotifyReport
	loc := d.Location
	if loc == nil {
		loc = time.UTC
	}
	secret, err := p.Store.LinkSecret(ctx)
	if err != nil {
		return rep, err
	}
	d.secret = secret
	if d.DryRun == nil {
		open, err := p.Store.UnfinishedDigests(ctx)
		if err != nil {
			return rep, err
		}
		for _, rec := range open {
			m, err := p.Store.Member(ctx, rec.Member)
			if err != nil && passerelle.ErrorCode(err) != passerelle.ENOTFOUND {
				return rep, err
			}
			if why := unwanted(m, err); why != "" {
				if err := p.abandon(ctx, rec, why); err != nil {
					return rep, err
				}
				continue
			}
			if err := p.deliver(ctx, rec, m, d, loc, &rep); err != nil {
				return rep, err
			}
		}
	}

	rules, err := p.Rules(ctx)
	if err != nil {
		return rep, err
	}
	now := p.now()
	members, err := p.Store.Members(ctx)
	if err != nil {
		return rep, err
	}
	for i := range members {
		m := members[i]
		if m.Tier != passerelle.TierPremium {
			continue
		}
		period := Period(m, now, loc)
		if period == "" {
			continue
		}
		if _, err := p.Store.DigestOf(ctx, m.ID, period); err == nil {
			continue // this period's digest exists: at most one
		} else if passerelle.ErrorCode(err) != passerelle.ENOTFOUND {
			return rep, err
		}
		dg, held, err := p.buildDigest(ctx, m, rules.MaxPerDigest, now, loc)
		if err != nil {
			return rep, err
		}
		if dg.Empty() {
			continue
		}
		dg.BaseURL, dg.Association, dg.Secret = d.BaseURL, d.Association, d.secret
		if d.DryRun != nil {
			rep.Digests++
			fmt.Fprintf(d.DryRun, "== %s <%s> (%s)\nSubject: %s\n\n%s\n", m.ID, contactList(m), period, dg.Subject(), dg.TextBody())
			continue
		}
		rec := store.Digest{ID: newDigestID(), Member: m.ID, Period: period, Run: runID, Created: now}
		for _, it := range dg.Items {
			rec.Items = append(rec.Items, it.Opportunity.ID)
		}
		rec.Held = held
		for _, it := range dg.Closing {
			rec.Closing = append(rec.Closing, it.Opportunity.ID)
		}
		rec.Changed = changedRefs(dg.Changed)
		for _, ch := range channels(m) {
			rec.Channels = append(rec.Channels, store.ChannelDelivery{Channel: ch, State: store.ChannelPending})
		}
		rec, created, err := p.Store.CreateDigest(ctx, rec)
		if err != nil {
			return rep, err
		}
		if !created {
			continue
		}
		rep.Digests++
		if err := p.deliver(ctx, rec, m, d, loc, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// Period names the period a digest to m made at now belongs to: the day ("2026-03-02")
// for daily members, the ISO week ("2026-W10") for weekly ones, and "" when none is due —
// frequency off, or a weekly member outside its day (notify.WeeklyDay).
func Period(m passerelle.Member, now time.Time, loc *time.Location) string {
	now = now.In(loc)
	switch m.Notify.Frequency {
	case "", "daily":
		return now.Format("2006-01-02")
	case "weekly":
		if now.Weekday() != notify.WeeklyDay {
			return ""
		}
		y, w := now.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	}
	return ""
}

// buildDigest picks the member's digest among its new matches that no digest carried or
// held yet, and returns the ids of the others it could have carried (held).
func (p *Pipeline) buildDigest(ctx context.Context, m passerelle.Member, max int, now time.Time, loc *time.Location) (notify.Digest, []string, error) {
	page, err := p.Store.MatchesPage(ctx, m.ID, store.MatchQuery{State: passerelle.MatchNew, Limit: maxNewPerMember})
	if err != nil {
		return notify.Digest{}, nil, err
	}
	done, err := p.Store.Digested(ctx, m.ID)
	if err != nil {
		return notify.Digest{}, nil, err
	}
	fresh := page.Matches[:0:0]
	for _, mt := range page.Matches {
		if !done[mt.Opportunity] {
			fresh = append(fresh, mt)
		}
	}
	items, err := p.items(ctx, fresh)
	if err != nil {
		return notify.Digest{}, nil, err
	}
	all, _ := notify.Build(m, items, 0, now, loc)
	dg := all
	var held []string
	if max > 0 && len(all.Items) > max {
		dg.Items = all.Items[:max]
		for _, it := range all.Items[max:] {
			held = append(held, it.Opportunity.ID)
		}
	}
	dg.More = len(held)
	skip := make(map[string]bool, len(dg.Items))
	for _, it := range dg.Items {
		skip[it.Opportunity.ID] = true
	}
	if dg.Closing, dg.Changed, err = p.reminders(ctx, m, skip, now.In(loc)); err != nil {
		return notify.Digest{}, nil, err
	}
	return dg, held, nil
}

// deliver sends rec by each of its channels that still owes it, recording the intent
// before each attempt and the outcome after.
func (p *Pipeline) deliver(ctx context.Context, rec store.Digest, m passerelle.Member, d Delivery, loc *time.Location, rep *NotifyReport) error {
	dg, err := p.digestOf(ctx, rec, m, loc)
	if err != nil {
		return err
	}
	dg.BaseURL, dg.Association, dg.Secret = d.BaseURL, d.Association, d.secret
	for _, c := range rec.Channels {
		if !c.Open() {
			continue
		}
		ch, ok := d.Channels[c.Channel]
		var target string
		var sendErr error
		switch {
		case !ok:
			sendErr = fmt.Errorf("%s", unconfigured[c.Channel])
		case dg.Empty():
			// Every opportunity it carried is gone: nothing left to tell.
			sendErr = fmt.Errorf("the digest's opportunities no longer exist")
		default:
			target, sendErr = ch.Target(m)
		}
		if sendErr == nil {
			// The intent: if the process dies during the attempt, the next run sees
			// "sending" and sends again with the same id.
			msgID := ""
			if mi, ok := ch.(messageIDer); ok {
				msgID = mi.MessageIDOf(rec.ID)
			}
			if _, err := p.Store.UpdateDigestChannel(ctx, rec.Member, rec.Period, c.Channel, p.now(), func(cd *store.ChannelDelivery) {
				at := p.now()
				cd.State, cd.Target, cd.Last = store.ChannelSending, target, &at
				cd.MessageID = msgID
				cd.Attempts++
			}); err != nil {
				return err
			}
			sendErr = ch.Send(ctx, dg)
			if sendErr != nil && ctx.Err() != nil {
				// Stopped, not failed: the record stays "sending" and the next run resumes it.
				return fmt.Errorf("digest %s of member %s by %s: %w", rec.ID, rec.Member, c.Channel, ctx.Err())
			}
		}
		if _, err := p.Store.UpdateDigestChannel(ctx, rec.Member, rec.Period, c.Channel, p.now(), func(cd *store.ChannelDelivery) {
			if sendErr == nil {
				at := p.now()
				cd.State, cd.Delivered, cd.Error = store.ChannelSent, &at, ""
				return
			}
			if cd.State != store.ChannelSending {
				cd.Attempts++ // a refusal before any attempt counts as one
			}
			cd.State, cd.Error = store.ChannelFailed, sendErr.Error()
		}); err != nil {
			return err
		}
		rep.tally(c.Channel, rec.Member, sendErr)
		if sendErr != nil {
			rep.Failed++
			p.log().Warn("delivery failed", "member", rec.Member, "digest", rec.ID, "channel", c.Channel, "err", sendErr)
			continue
		}
		rep.Sent++
		if !anySent(rec) {
			rep.Notified += len(rec.Items)
		}
		rec.Channels = markSent(rec.Channels, c.Channel)
	}
	return nil
}

func anySent(rec store.Digest) bool {
	for _, c := range rec.Channels {
		if c.State == store.ChannelSent {
			return true
		}
	}
	return false
}

func markSent(cs []store.ChannelDelivery, ch string) []store.ChannelDelivery {
	out := append([]store.ChannelDelivery(nil), cs...)
	for i := range out {
		if out[i].Channel == ch {
			out[i].State = store.ChannelSent
		}
	}
	return out
}

// digestOf rebuilds the message of a digest record: its items in its order, dated when it
// was made, so that every attempt says the same thing.
func (p *Pipeline) digestOf(ctx context.Context, rec store.Digest, m passerelle.Member, loc *time.Location) (notify.Digest, error) {
	ms := make([]passerelle.Match, 0, len(rec.Items))
	for _, o := range rec.Items {
		mt, err := p.Store.Match(ctx, rec.Member, o)
		if passerelle.ErrorCode(err) == passerelle.ENOTFOUND {
			continue
		}
		if err != nil {
			return notify.Digest{}, err
		}
		ms = append(ms, mt)
	}
	items, err := p.items(ctx, ms)
	if err != nil {
		return notify.Digest{}, err
	}
	closing, changed, err := p.remindersOf(ctx, rec)
	if err != nil {
		return notify.Digest{}, err
	}
	return notify.Digest{ID: rec.ID, Member: m, Items: items, Closing: closing, Changed: changed,
		Generated: rec.Created.In(loc), More: len(rec.Held)}, nil
}

// newDigestID is a digest's id: random, so that it reveals nothing and never repeats
// (a member deleted and made again gets new ids), and safe in a Message-ID.
func newDigestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "dg_" + hex.EncodeToString(b[:])
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

// unwanted says why a digest still owed to a member must no longer go out, or "": the
// member was deleted, switched its digests off (an unsubscribe must stop every mail,
// retries included) or is no longer premium.
func unwanted(m passerelle.Member, lookup error) string {
	switch {
	case lookup != nil:
		return "member deleted"
	case m.Notify.Frequency == "off":
		return "member switched its digests off"
	case m.Tier != passerelle.TierPremium:
		return "member no longer premium"
	}
	return ""
}

// abandon closes the unfinished channels of a digest no longer wanted, saying why, so that
// no later run retries them.
func (p *Pipeline) abandon(ctx context.Context, rec store.Digest, why string) error {
	for _, c := range rec.Channels {
		if !c.Open() {
			continue
		}
		if _, err := p.Store.UpdateDigestChannel(ctx, rec.Member, rec.Period, c.Channel, p.now(), func(c *store.ChannelDelivery) {
			c.State, c.Error = store.ChannelAbandoned, why
		}); err != nil {
			return fmt.Errorf("abandon digest %s of %s: %w", rec.ID, rec.Member, err)
		}
	}
	p.log().Info("digest abandoned", "digest", rec.ID, "member", rec.Member, "why", why)
	return nil
}
