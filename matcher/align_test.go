package matcher

import "testing"

// Model 1 finds the partner that Dice misses: "power" is common on the English side, yet
// each of its pairs' other words is already explained by its own French word.
func TestAlignFindsTheCommonPartner(t *testing.T) {
	units := [][2][]string{
		{{"relai", "puissance"}, {"power", "relay"}},
		{{"diode", "puissance"}, {"power", "diode"}},
		{{"moteur", "puissance"}, {"power", "motor"}},
		{{"energie"}, {"power"}}, {{"energie"}, {"power"}}, {{"energie", "solaire"}, {"solar", "power"}},
		{{"electrique"}, {"power"}}, {{"electrique", "ligne"}, {"power", "line"}},
		{{"relai"}, {"relay"}}, {{"diode"}, {"diode"}}, {{"moteur"}, {"motor"}},
	}
	for _, fr := range []string{"centrale", "alimentation", "reseau", "groupe", "courant", "cable", "station", "transport", "distribution", "production", "eolien", "hydraulique"} {
		units = append(units, [2][]string{{"energie", fr}, {"power", fr}})
	}
	got := alignBest(units, 0)["puissance"]
	if got.stem != "power" || got.dice < alignFloor {
		t.Errorf("puissance aligned to %q (%.2f), want power above %.2f", got.stem, got.dice, alignFloor)
	}
	// Dice is low here: what alignment adds is not what Dice already had.
	var co, fr, en float64
	for _, u := range units {
		hasFR, hasEN := contains(u[0], "puissance"), contains(u[1], "power")
		fr, en, co = fr+float64(b2i(hasFR)), en+float64(b2i(hasEN)), co+float64(b2i(hasFR && hasEN))
	}
	if d := 2 * co / (fr + en); d >= diceFloor {
		t.Fatalf("the example no longer tests a pair Dice misses (Dice %.2f)", d)
	}
	if got := alignBest(units, 0)["relai"]; got.stem != "relay" {
		t.Errorf("relai aligned to %q, want relay", got.stem)
	}
}

// The ablation leaves the senses Dice found and drops only the aligned ones.
func TestWithoutAligned(t *testing.T) {
	tr := defaultTranslator()
	if out := tr.withoutAligned().translate("électronique de puissance"); out != nil {
		t.Errorf("without alignment, 'électronique de puissance' → %v, want no translation", out)
	}
	if out := tr.withoutAligned().translate("gestion de flotte"); len(out) == 0 {
		t.Error("without alignment, 'gestion de flotte' lost its translation")
	}
}
