package matcher

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"L'entreprise d’ingénierie", []string{"entreprise", "ingénierie"}},
		{"Développeur C++ et C# sur .NET", []string{"développeur", "c++", "et", "c#", "sur", ".net"}},
		{"plates-formes e-learning", []string{"plates", "formes", "elearning"}},
		{"qu'il s'agisse", []string{"il", "agisse"}},
		{"end.Next", []string{"end", "next"}},
	}
	for _, tt := range tests {
		if got := tokenize(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAnalyzeFoldsAndStems(t *testing.T) {
	tests := []struct {
		a, b   string
		la, lb lang
	}{
		{"Sécurité informatique", "securite informatiques", langFR, langFR},
		{"œuvre", "oeuvre", langGeneric, langGeneric},
		{"sensors", "sensor", langEN, langEN},
		{"Reinigungsdienste", "reinigungsdienst", langDE, langDE},
		{"schoonmaakdiensten", "schoonmaakdienst", langNL, langNL},
	}
	for _, tt := range tests {
		a, b := analyze(tt.a, tt.la), analyze(tt.b, tt.lb)
		if strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("analyze(%q)=%q and analyze(%q)=%q differ", tt.a, a, tt.b, b)
		}
	}
	if got := analyze("le développement des logiciels et de la maintenance", langFR); len(got) != 3 {
		t.Errorf("stop words kept: %q", got)
	}
}

func TestGuessLang(t *testing.T) {
	tests := map[string]lang{
		"Services de nettoyage des bâtiments pour la commune":            langFR,
		"Cleaning services for the buildings of the municipality":        langEN,
		"Reinigung der Gebäude und der Fenster für die Stadt":            langDE,
		"Schoonmaak van het gemeentehuis en de scholen voor een periode": langNL,
		"Usługi sprzątania": langGeneric,
	}
	for in, want := range tests {
		if got := guessLang(in); got != want {
			t.Errorf("guessLang(%q) = %v, want %v", in, got, want)
		}
	}
}
