package notify

// The words of the member page's lists, filters and feeds, and of the pages that digest links
// open (opportunity, feedback confirmation, unsubscribe), in the pages' one catalogue: kept in
// their own file so that each part of the pages can add its words without touching another's;
// init merges them into pageEnglish (a text already there keeps its English).
var pageEnglishMember = map[string]string{
	// page titles
	"Opportunité":        "Opportunity",
	"Résumés par e-mail": "E-mail digests",
	"Lien invalide":      "Invalid link",
	// member page
	"Listes":                   "Lists",
	"Toutes":                   "All",
	"Ma liste sauvegardée":     "My saved list",
	"Trier par":                "Sort by",
	"score":                    "score",
	"date limite":              "deadline",
	"Cluster":                  "Cluster",
	"Web":                      "Web",
	"Internet des objets":      "Internet of Things",
	"Centres de données":       "Data centres",
	"Sécurité":                 "Security",
	"Transmédia":               "Transmedia",
	"Serious games":            "Serious games",
	"Exporter (CSV)":           "Export (CSV)",
	"Export prêt.":             "Export ready.",
	"Annuler mon avis":         "Undo my verdict",
	"Avis retiré : «":          "Verdict taken back: «",
	"Votre avis :":             "Your verdict:",
	"Flux Atom et agenda iCal": "Atom feed and iCal calendar",
	"Suivez vos opportunités dans un lecteur de flux et leurs dates limites dans votre agenda. Ces adresses sont secrètes : ne les partagez pas.": "Follow your opportunities in a feed reader and their deadlines in your calendar. These addresses are secret: do not share them.",
	"Flux Atom":                        "Atom feed",
	"Agenda iCal":                      "iCal calendar",
	"Renouveler l'adresse":             "Renew the address",
	"Pas encore d'adresse : créez-la.": "No address yet: create it.",
	"Vos adresses existent. Pour les afficher, renouvelez-les : les anciennes cesseront de fonctionner.": "Your addresses exist. To show them, renew them: the old ones will stop working.",
	"Nouvelles adresses : copiez-les maintenant, elles ne seront plus affichées.":                        "New addresses: copy them now, they will not be shown again.",
	// opportunity page
	"Voir l'avis officiel": "See the official notice",
	"Pourquoi pour vous":   "Why for you",
	"Description":          "Description",
	"Étapes":               "Stages",
	"Modifications":        "Changes",
	"Acheteur":             "Buyer",
	"Publiée le":           "Published on",
	"Programme":            "Programme",
	"Montant":              "Value",
	"Pays et régions":      "Country and regions",
	"Révision":             "Revision",
	"Score :":              "Score:",
	"Pas encore d'avis.":   "No verdict yet.",
	// feedback confirmation
	"Pour": "For",
	"Cette opportunité est-elle pertinente pour vous ?":    "Is this opportunity relevant to you?",
	"Pourquoi ? (facultatif)":                              "Why? (optional)",
	"Confirmer":                                            "Confirm",
	"Votre avis actuel :":                                  "Your current verdict:",
	"Merci, votre avis est enregistré :":                   "Thank you, your verdict is saved:",
	"Vous pouvez le changer à tout moment sur votre page.": "You can change it at any time on your page.",
	"Voir l'opportunité":                                   "See the opportunity",
	// unsubscribe
	"Résumés pour":    "Digests for",
	"Me désabonner":   "Unsubscribe me",
	"Vos préférences": "Your preferences",
	"Ne plus recevoir les résumés d'opportunités par e-mail ? Vos opportunités restent sur votre page et dans vos flux.": "Stop receiving opportunity digests by e-mail? Your opportunities stay on your page and in your feeds.",
	"Vous êtes désabonné : Passerelle n'enverra plus de résumé par e-mail à ce membre.":                                  "You are unsubscribed: Passerelle will send this member no more e-mail digests.",
	"Pour les recevoir de nouveau, changez la fréquence dans vos préférences.":                                           "To receive them again, change the frequency in your preferences.",
	// a link that cannot be followed
	"Ce lien ne peut pas être suivi": "This link cannot be followed",
	"Ouvrez le lien le plus récent reçu par e-mail, ou connectez-vous pour retrouver vos opportunités.": "Open the latest link you received by e-mail, or sign in to find your opportunities.",
}

func init() {
	for fr, en := range pageEnglishMember {
		if _, ok := pageEnglish[fr]; !ok {
			pageEnglish[fr] = en
		}
	}
}
