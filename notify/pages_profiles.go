package notify

// The staff console's words for a member's profiles, kept apart from pageEnglish so that
// the catalogue's one big map is not edited by every change of the pages.
func init() {
	for fr, en := range map[string]string{
		"Ajouter un profil":          "Add a profile",
		"Retirer ce profil":          "Remove this profile",
		"Nom du profil":              "Profile name",
		"Nouveau profil":             "New profile",
		"ex. Sécurité, Jeux sérieux": "e.g. Security, Serious games",
		"Un profil par métier de l'entreprise : chacun a ses compétences, clusters, régions, exclusions, budget et score minimum, et une opportunité dit quel profil l'a trouvée.": "One profile per business line of the company: each has its skills, clusters, regions, exclusions, budget and minimum score, and an opportunity says which profile found it.",
	} {
		pageEnglish[fr] = en
	}
}
