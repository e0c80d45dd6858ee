package matcher

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

// synthDomain is a trade: what its companies say they do and the CPV codes of its notices.
type synthDomain struct {
	skills []string
	cpv    []string
}

var synthDomains = []synthDomain{
	{[]string{"développement de logiciels", "applications métier", "software development", "intégration de systèmes", "bases de données", "API integration", "maintenance applicative", "développement web", "sites web", "web development", "applications mobiles", "Java", "C#", ".NET"}, []string{"722", "7231", "724", "482"}},
	{[]string{"ERP", "progiciel de gestion intégré", "logiciel de comptabilité", "licences logicielles", "software licences", "gestion documentaire", "business intelligence"}, []string{"48", "7226"}},
	{[]string{"cybersécurité", "sécurité informatique", "test d'intrusion", "penetration testing", "firewall", "protection des données", "audit de sécurité"}, []string{"7221273", "4873", "4876", "7215", "7222"}},
	{[]string{"centre de données", "hébergement", "cloud computing", "serveurs", "stockage de données", "data centre", "réseaux informatiques"}, []string{"488", "7231", "3023", "3242", "7251"}},
	{[]string{"capteurs", "instruments de mesure", "télémétrie", "objets connectés", "internet des objets", "monitoring systems", "measurement instruments", "smart metering"}, []string{"38", "3244", "3855"}},
	{[]string{"production audiovisuelle", "vidéo", "organisation d'événements", "event management", "animation culturelle", "réalité virtuelle", "multimédia", "video production"}, []string{"92", "7995", "7934"}},
	{[]string{"formation professionnelle", "e-learning", "serious games", "jeux sérieux", "formations pour adultes", "training courses", "simulation"}, []string{"80", "4819", "34152"}},
	{[]string{"nettoyage de bureaux", "entretien des locaux", "cleaning of buildings", "window cleaning", "hygiène"}, []string{"909"}},
	{[]string{"ingénierie structurelle", "bureau d'études", "civil engineering", "études de stabilité", "techniques spéciales", "HVAC"}, []string{"713", "712"}},
	{[]string{"gros œuvre", "rénovation de bâtiments", "building works", "travaux de toiture", "construction de logements"}, []string{"4521", "4526", "4545", "454"}},
	{[]string{"restauration collective", "repas scolaires", "catering", "cantine", "school meals"}, []string{"555", "158"}},
	{[]string{"dispositifs médicaux", "matériel hospitalier", "medical devices", "imagerie médicale", "diagnostic equipment"}, []string{"331", "3319", "33696"}},
	{[]string{"transport de personnes", "transport scolaire", "bus transport", "passenger transport"}, []string{"601", "3412"}},
	{[]string{"conseil en gestion", "management consulting", "audit organisationnel", "études économiques", "business advisory"}, []string{"794", "7342"}},
	{[]string{"véhicules utilitaires", "camions", "electric vehicles", "voitures de service"}, []string{"341", "3413", "3414"}},
	{[]string{"soins à domicile", "aide aux personnes âgées", "home care", "social work", "services de santé"}, []string{"853", "851"}},
}

var synthLangs = []string{"fr", "fr", "en", "en", "de", "nl", "pl", "es", "it"}

// Synthetic generates member profiles and opportunities for benchmarks (the
// `passerelle bench match` command). Each company has a home trade — a class of the CPV
// vocabulary — and describes itself with a few of that trade's labels in French or
// English, shortened like people write them, and now and then with plain words of one of
// sixteen familiar trades; some declare clusters, CPV prefixes, regions, exclusions or a
// budget; one in ten is basic. Notices are spread over the whole vocabulary, in nine
// languages, titled with the labels of their codes, with deadlines (mostly ahead),
// locations and values. Dates are relative to SyntheticNow (today, midnight UTC). The
// same seed gives the same data on the same day.
//
// How realistic is the load? Measured with the default rules, 100,000 members × 3,000
// notices keep 7.6 matches per member (8.4 per premium member), 0.28% of the premium pairs.
// On the real dev set (2,601 TED notices, 14 premium members written for the sample's
// trades, awards closed) 980 pairs are kept: 2.7% of the pairs, 70 per member — ten times
// denser, so the synthetic load is not generous. It once kept 28 per member (2.83 million):
// that came from the scorer (a lone broad CPV fit — a division, or a group merely inferred
// from several skills — reached the threshold, which real members would not want either,
// see loneBroadCPV) and from skills cut to generic heads ("Repair and maintenance"), which
// no company writes (see shorten). The rest stays as hard as before: every notice is an
// open tender (on TED about 45% are award notices, closed and vetoed at once), notices
// are spread evenly over the vocabulary's classes, and a third of the members declare a
// region among four neighbouring countries where all notices lie.
func Synthetic(seed, members, ops int) ([]passerelle.Member, []passerelle.Opportunity) {
	rng := rand.New(rand.NewSource(int64(seed)))
	v := DefaultVocabulary()
	base := SyntheticNow()
	// Trades: the vocabulary's classes, each with the codes under it.
	var classes []string
	under := map[string][]string{}
	for _, c := range v.codes {
		if c.Level == "class" {
			classes = append(classes, c.Code)
		}
	}
	for _, c := range v.codes {
		if len(c.Code) == 8 && c.Level != "division" && c.Level != "group" {
			k := c.Code[:4] + "0000"
			under[k] = append(under[k], c.Code)
		}
	}
	regions := []string{"BE", "BE3", "BE2", "BE1", "BE32", "FR", "NL", "LU"}
	ms := make([]passerelle.Member, members)
	for i := range ms {
		m := passerelle.Member{ID: fmt.Sprintf("m%06d", i), Name: fmt.Sprintf("Company %d", i), Tier: passerelle.TierPremium}
		if rng.Intn(10) == 0 {
			m.Tier = passerelle.TierBasic
		}
		home := classes[rng.Intn(len(classes))]
		codes := under[home]
		lang := []string{"fr", "en"}[rng.Intn(2)]
		n := 2 + rng.Intn(4)
		for k := 0; k < n; k++ {
			m.Skills = append(m.Skills, shorten(rng, v, v.Label(codes[rng.Intn(len(codes))], lang), lang))
		}
		if rng.Intn(5) == 0 {
			d := synthDomains[rng.Intn(len(synthDomains))]
			m.Skills = append(m.Skills, d.skills[rng.Intn(len(d.skills))])
		}
		if rng.Intn(3) == 0 {
			m.Clusters = []string{passerelle.Clusters[rng.Intn(len(passerelle.Clusters))]}
		}
		if rng.Intn(5) == 0 {
			m.CPV = []string{home[:3+rng.Intn(2)]}
		}
		if rng.Intn(3) == 0 {
			m.Regions = []string{regions[rng.Intn(len(regions))]}
		}
		if rng.Intn(8) == 0 {
			m.Exclude = []string{[]string{"nettoyage", "gardiennage", "défense", "armement"}[rng.Intn(4)]}
		}
		if rng.Intn(6) == 0 {
			m.Budget = &passerelle.Budget{Min: float64(rng.Intn(5)) * 10000, Max: float64(1+rng.Intn(20)) * 100000}
		}
		ms[i] = m
	}
	os := make([]passerelle.Opportunity, ops)
	for i := range os {
		codes := under[classes[rng.Intn(len(classes))]]
		lang := synthLangs[rng.Intn(len(synthLangs))]
		o := passerelle.Opportunity{ID: fmt.Sprintf("syn:%06d", i), Source: "syn", Kind: passerelle.KindTender, Language: lang,
			Status: passerelle.StatusOpen}
		nc := 1 + rng.Intn(3)
		for k := 0; k < nc; k++ {
			o.CPV = append(o.CPV, codes[rng.Intn(len(codes))])
		}
		o.Title = v.Label(o.CPV[0], lang)
		if (lang == "fr" || lang == "en") && rng.Intn(3) == 0 {
			d := synthDomains[rng.Intn(len(synthDomains))]
			o.Title += " — " + d.skills[rng.Intn(len(d.skills))]
		}
		o.Description = strings.Repeat(v.Label(o.CPV[len(o.CPV)-1], lang)+". ", 1+rng.Intn(3)) + fillers[rng.Intn(len(fillers))]
		dl := base.Add(time.Duration(rng.Intn(90*24)-24*5) * time.Hour)
		o.Deadline = &dl
		pub := base.Add(-time.Duration(rng.Intn(30*24)) * time.Hour)
		o.Published = &pub
		o.NUTS = []string{[]string{"BE100", "BE211", "BE323", "BE352", "FR101", "NL329", "LU000"}[rng.Intn(7)]}
		o.Country = o.NUTS[0][:2]
		if rng.Intn(2) == 0 {
			o.Value = &passerelle.Money{Amount: float64(1+rng.Intn(200)) * 10000, Currency: "EUR"}
		}
		os[i] = o
	}
	return ms, os
}

// shorten keeps the first few words of a label, as people write their skills — but not
// when they leave only generic words: nobody describes a trade as "Repair and
// maintenance" or "Services de réparation", and such heads, common to hundreds of labels,
// would make a synthetic member match a large share of all notices (measured: four such
// skills made 8% of all kept matches). A cut that keeps no word used by fewer than 1% of
// the vocabulary's labels keeps the whole label instead.
func shorten(rng *rand.Rand, v *Vocabulary, label, lang string) string {
	w := strings.Fields(label)
	if len(w) > 3 && rng.Intn(2) == 0 {
		cut := strings.Trim(strings.Join(w[:3], " "), ",;")
		l := langOf(lang)
		specific := math.Log(1 + float64(v.Len())/(0.01*float64(v.Len())))
		for _, t := range analyze(cut, l) {
			if v.termIDF(t, l) >= specific {
				return cut
			}
		}
	}
	return strings.Trim(label, ",;")
}

var fillers = []string{
	"Le marché est divisé en lots. Les offres doivent être remises par voie électronique.",
	"The contract will be awarded on the basis of the most economically advantageous tender.",
	"Der Auftrag wird in Losen vergeben. Angebote sind elektronisch einzureichen.",
	"De opdracht wordt gegund op basis van de economisch meest voordelige inschrijving.",
	"",
}

// SyntheticNow is the day Synthetic dates its notices from: today at midnight UTC.
func SyntheticNow() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }
