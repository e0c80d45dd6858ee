package store

import (
	"github.com/passerelle/passerelle"
)

// A notice may go by several ids: an eForms notice published on TED is stored under its
// publication number ("ted:522031-2023") and carries its notice identifier (BT-701) as an
// alias ("ted:<uuid>"), which is what its change notices name. The alias is kept in the
// aliases bucket beside the ids of merged copies, so that Opportunity, Opportunities and
// re-puts find the notice under either.

// indexAliases records o's aliases. An alias that is already an opportunity of its own, or
// already points at another one, is left as it is: an alias never takes a record's place and
// never moves (the first notice to claim an id keeps it).
func (w *oppWriter) indexAliases(o *passerelle.Opportunity) error {
	for _, a := range o.Aliases {
		if a == "" || a == o.ID || checkID("alias", a) != nil {
			continue
		}
		if w.ops.Get([]byte(a)) != nil || w.aliases.Get([]byte(a)) != nil {
			continue
		}
		if err := w.aliases.Put([]byte(a), []byte(o.ID)); err != nil {
			return err
		}
	}
	return nil
}
