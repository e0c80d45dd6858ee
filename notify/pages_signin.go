package notify

// The English of the pages that sign-in by e-mail link brings (sign-in, confirmation,
// preferences, staff people). They are part of the pages' one catalogue (pageEnglish); kept
// in their own file so that each page's words are found, and changed, together.
var signInPageEnglish = map[string]string{
	// sign-in page
	"Recevoir un lien de connexion": "Get a sign-in link",
	"Entrez l'adresse e-mail que l'association connaît pour vous (contact d'un membre ou personne de l'équipe). Si elle est connue, un lien valable 15 minutes vous est envoyé ; il ne sert qu'une fois.": "Enter the e-mail address the association knows you by (a member's contact or one of the staff). If it is known, a link valid 15 minutes is sent to it; it works once.",
	"Adresse e-mail":          "E-mail address",
	"Recevoir le lien":        "Send me the link",
	"Ou entrer votre clé API": "Or enter your API key",
	"Si cette adresse est connue, un lien de connexion vient de lui être envoyé. Il est valable 15 minutes.": "If this address is known, a sign-in link has just been sent to it. It is valid 15 minutes.",
	"Trop de demandes pour l'instant : utilisez le dernier lien reçu ou réessayez plus tard.":                "Too many requests for now: use the last link received or try again later.",
	"Cette adresse e-mail n'est pas valide.":                                                                 "This e-mail address is not valid.",
	// confirmation of a link
	"Confirmer la connexion":             "Confirm sign-in",
	"Lien inutilisable":                  "Link not usable",
	"Demander un nouveau lien":           "Ask for a new link",
	"Se connecter à Passerelle":          "Sign in to Passerelle",
	"Vous allez ouvrir une session pour": "You are about to sign in as",
	"Ce bouton protège votre lien : les logiciels qui analysent les e-mails l'ouvrent sans cliquer, et il ne sert qu'une fois.": "This button protects your link: software that scans e-mails opens links without clicking, and it works only once.",
	"Ce lien de connexion est inconnu, déjà utilisé ou expiré. Demandez-en un nouveau.":                                         "This sign-in link is unknown, already used or expired. Ask for a new one.",
	"Cette demande de connexion ne vient pas de ce site : ouvrez le lien reçu par e-mail.":                                      "This sign-in request does not come from this site: open the link you received by e-mail.",
	// preferences
	"Mes préférences":                     "My preferences",
	"← Mes opportunités":                  "← My opportunities",
	"Vos résumés":                         "Your digests",
	"Fréquence":                           "Frequency",
	"jamais (pas de résumé)":              "never (no digest)",
	"Canaux":                              "Channels",
	"par e-mail, aux contacts du membre":  "by e-mail, to the member's contacts",
	"par webhook (pour vos outils)":       "by webhook (for your tools)",
	"Adresse du webhook":                  "Webhook address",
	"https://…":                           "https://…",
	"Langues":                             "Languages",
	"Langue des résumés":                  "Language of the digests",
	"Les autres langues que vous lisez :": "The other languages you read:",
	"De 0 à 100 : les opportunités moins bien classées ne vous sont pas envoyées.": "From 0 to 100: opportunities ranked lower are not sent to you.",
	"Préférences enregistrées.": "Preferences saved.",
	// staff people
	"Personnes de l'équipe": "Staff people",
	"← Console de l'équipe": "← Staff console",
	"Chaque personne se connecte avec un lien reçu à son adresse e-mail ; le journal des modifications dit qui a fait quoi.": "Each person signs in with a link sent to their e-mail address; the audit log says who did what.",
	"Personnes de l'équipe : nom, adresse, ajoutée le":                                                                       "Staff people: name, address, added on",
	"Ajoutée le":           "Added on",
	"Ajouter une personne": "Add a person",
	"Ajouter":              "Add",
	"Retirer":              "Remove",
	"Confirmer le retrait": "Confirm removal",
	"Personne retirée :":   "Person removed:",
	"Personne ajoutée :":   "Person added:",
	"Personne pour l'instant. Ajoutez-vous ci-dessous : vous pourrez ensuite vous connecter avec un lien reçu par e-mail.": "Nobody yet. Add yourself below: you can then sign in with a link received by e-mail.",
}

func init() {
	for fr, en := range signInPageEnglish {
		pageEnglish[fr] = en
	}
}
