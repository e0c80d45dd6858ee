package matcher

import (
	passerelle "github.com/passerelle/passerelle"
)

// DefaultRules are the rules a fresh installation starts with: weights that let topical fit
// (skills' words, CPV codes, clusters) decide and the practical signals (deadline,
// freshness, region, budget) only order what already fits; a minimum score of 30; and one
// bundle per technology cluster with keywords in French, English and Dutch and the CPV
// prefixes of the cluster's trade.
func DefaultRules() passerelle.Rules {
	return passerelle.Rules{
		Version: 1,
		Comment: "default rules",
		Fields:  passerelle.FieldWeights{Title: 10, Description: 6},
		Weights: passerelle.Weights{
			Text: 20, CPV: 45, Cluster: 20, Sector: 5,
			Region: 2, Budget: 1, Deadline: 4, Freshness: 3,
		},
		Thresholds:   passerelle.Thresholds{MinScore: 30, MinDaysToDeadline: 3},
		MaxPerDigest: 20,
		Clusters: map[string]passerelle.Bundle{
			passerelle.ClusterWeb: {
				Keywords: map[string][]string{
					"fr": {"site web", "site internet", "développement web", "application web", "portail web", "plateforme en ligne", "commerce électronique", "hébergement web"},
					"en": {"website", "web site", "web development", "web application", "web portal", "e-commerce", "web hosting", "online platform"},
					"nl": {"website", "webontwikkeling", "webapplicatie", "webportaal", "webhosting"},
				},
				// Internet services, web page editing software, internet/intranet software.
				CPV: []string{"724", "72212224", "4822"},
			},
			passerelle.ClusterIoT: {
				Keywords: map[string][]string{
					"fr": {"internet des objets", "objets connectés", "capteurs connectés", "télémétrie", "réseau de capteurs", "domotique", "ville intelligente", "compteurs intelligents"},
					"en": {"internet of things", "IoT", "connected devices", "sensor network", "telemetry", "smart city", "smart metering"},
					"nl": {"internet der dingen", "slimme meters", "sensornetwerk", "slimme stad", "telemetrie"},
				},
				// Telemetry equipment, sensors, meters, measuring and control instruments.
				CPV: []string{"3244", "351251", "3855", "3842", "3843"},
			},
			passerelle.ClusterDataCenters: {
				Keywords: map[string][]string{
					"fr": {"centre de données", "centre de calcul", "hébergement informatique", "informatique en nuage", "cloud", "serveurs", "stockage de données"},
					"en": {"data centre", "data center", "datacenter", "cloud computing", "cloud services", "server hosting", "servers", "data storage"},
					"nl": {"datacenter", "rekencentrum", "cloudcomputing", "cloud", "servers", "gegevensopslag"},
				},
				// Information systems and servers, data storage, computer facilities management.
				CPV: []string{"488", "72317", "72514", "302332"},
			},
			passerelle.ClusterSecurity: {
				Keywords: map[string][]string{
					"fr": {"cybersécurité", "sécurité informatique", "sécurité de l'information", "test d'intrusion", "pare-feu", "protection des données", "chiffrement"},
					"en": {"cybersecurity", "cyber security", "information security", "IT security", "penetration testing", "firewall", "encryption", "security operations centre"},
					"nl": {"cyberbeveiliging", "informatiebeveiliging", "ict-beveiliging", "penetratietest", "firewall"},
				},
				// Security software development, security and anti-virus software packages.
				CPV: []string{"7221273", "4873", "4876", "4878"},
			},
			passerelle.ClusterTransmedia: {
				Keywords: map[string][]string{
					"fr": {"production audiovisuelle", "production vidéo", "multimédia", "transmédia", "réalité virtuelle", "réalité augmentée", "animation 3D", "contenu numérique"},
					"en": {"audiovisual production", "video production", "multimedia", "transmedia", "virtual reality", "augmented reality", "3D animation", "digital content"},
					"nl": {"audiovisuele productie", "videoproductie", "multimedia", "virtual reality", "augmented reality"},
				},
				// Film and video services, radio and television services, multimedia equipment.
				CPV: []string{"921", "922", "32322"},
			},
			passerelle.ClusterSeriousGames: {
				Keywords: map[string][]string{
					"fr": {"jeu sérieux", "jeux sérieux", "ludification", "gamification", "apprentissage en ligne", "e-learning", "simulateur de formation", "formation par simulation"},
					"en": {"serious game", "serious games", "gamification", "game-based learning", "e-learning", "educational software", "training simulator", "simulation-based training"},
					"nl": {"serious game", "serious games", "gamificatie", "e-learning", "educatieve software"},
				},
				// Educational software and its development, e-learning, training simulators.
				// A simulator for training, not "simulation" alone: the numerical simulations
				// of research calls are no games (on the EU calls, 21 of 319 say "simulation";
				// as a keyword it put five of them in the edtech profile's ten best).
				CPV: []string{"4819", "72212190", "8042", "34152"},
			},
		},
		Synonyms: [][]string{
			{"cybersécurité", "sécurité informatique", "cybersecurity", "IT security"},
			{"ERP", "progiciel de gestion intégré", "enterprise resource planning"},
			{"e-learning", "apprentissage en ligne", "formation en ligne"},
			{"internet des objets", "IoT", "internet of things"},
			{"intelligence artificielle", "IA", "artificial intelligence", "AI"},
		},
	}
}
