package notify

// The words for a member's profiles, in the staff console and on the member's own page
// /app/profiles, kept apart from pageEnglish so that
// the catalogue's one big map is not edited by every change of the pages.
func init() {
	for fr, en := range map[string]string{
		"Ajouter un profil":          "Add a profile",
		"Retirer ce profil":          "Remove this profile",
		"Nom du profil":              "Profile name",
		"Nouveau profil":             "New profile",
		"ex. Sécurité, Jeux sérieux": "e.g. Security, Serious games",
		"Un profil par métier de l'entreprise : chacun a ses compétences, clusters, régions, exclusions, budget et score minimum, et une opportunité dit quel profil l'a trouvée.": "One profile per business line of the company: each has its skills, clusters, regions, exclusions, budget and minimum score, and an opportunity says which profile found it.",
		// the member's own page
		"Mes profils":                 "My profiles",
		"Vos métiers":                 "Your business lines",
		"Enregistrer les profils":     "Save the profiles",
		"Profils enregistrés.":        "Profiles saved.",
		"Compétences (une par ligne)": "Skills (one per line)",
		"Un profil par métier de votre entreprise : chacun a ses compétences, clusters, régions, exclusions et score minimum. Chaque opportunité dit quel profil l'a trouvée.": "One profile per business line of your company: each has its skills, clusters, regions, exclusions and minimum score. Each opportunity says which profile found it.",
	} {
		pageEnglish[fr] = en
	}
}
