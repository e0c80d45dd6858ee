// Member page: the profile, the ranked and explained matches, feedback on each, and search.
// Staff may open it for any member with ?member=ID (an id, never a key, in the URL).
"use strict";

(() => {
  const { api, el, clear, $, link, badge, deadlineNode, problemText, flash, t } = P;
  const PAGE = 10;
  const STATE = { new: t("nouveau"), notified: t("notifié"), seen: t("vu"), saved: t("sauvegardé"), dismissed: t("écarté") };
  const VERDICTS = [
    ["relevant", t("Pertinent")],
    ["not_relevant", t("Pas pertinent")],
    ["saved", t("Sauvegarder")],
    ["dismissed", t("Écarter")],
  ];
  const VERDICT_DONE = { relevant: t("pertinent"), not_relevant: t("pas pertinent"), saved: t("sauvegardé"), dismissed: t("écarté") };
  let member = "";
  let cursor = "";

  const base = () => "/api/v1/members/" + encodeURIComponent(member);

  async function loadProfile() {
    const m = await api("GET", base());
    const dl = clear($("#profile-list"));
    const row = (label, value) => {
      if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return;
      dl.append(el("dt", { text: label }), el("dd", { text: Array.isArray(value) ? value.join(", ") : String(value) }));
    };
    row(t("Nom"), m.name);
    row(t("Offre"), m.tier === "premium" ? "premium" : t("de base (basic)"));
    row(t("Clusters"), m.clusters);
    row(t("Compétences"), m.skills);
    row(t("Secteurs"), m.sectors);
    row(t("Régions (NUTS)"), m.regions);
    row(t("Exclusions"), m.exclude);
    row(t("Score minimum"), m.min_score);
  }

  const points = (p) => (p >= 0 ? "+" : "−") + Math.abs(Math.round(p * 10) / 10).toLocaleString("fr-BE");

  function matchItem(m) {
    const stateBadge = el("span", { class: "badge state", text: STATE[m.state] || m.state });
    const titleID = "m-" + Math.random().toString(36).slice(2);
    const reasons = el("ul", { class: "reasons", "aria-label": "Pourquoi cette opportunité" });
    const contributions = (m.explanation && m.explanation.contributions) || [];
    contributions.forEach((c, i) => {
      // The reason in plain words when the server said it, else the engine's evidence.
      const said = (m.said && m.said[i]) || c.evidence || c.signal;
      reasons.append(el("li", {}, el("span", { class: "pts", text: points(c.points) }), " ", said));
    });
    if (m.explanation && m.explanation.veto) reasons.append(el("li", { class: "veto", text: "Exclu : " + m.explanation.veto }));

    const buttons = VERDICTS.map(([v, label]) => el("button", {
      type: "button", class: "secondary", "data-verdict": v, text: label, "aria-describedby": titleID,
      "aria-pressed": m.feedback && m.feedback.verdict === v ? "true" : "false",
    }));
    const reasonInput = el("input", { type: "text", maxlength: "2000", id: titleID + "-r" });
    const reasonForm = el("form", { class: "reason-form row", hidden: true },
      el("label", { for: titleID + "-r", text: t("Pourquoi pas pertinent ? (facultatif)") }), reasonInput,
      el("button", { type: "submit", text: t("Envoyer") }),
      el("button", { type: "button", class: "secondary", "data-cancel": "", text: t("Annuler") }));

    const li = el("li", { class: "match", "data-opportunity": m.opportunity },
      el("header", {},
        el("span", { class: "score" }, el("span", { class: "sr", text: "Score " }), String(Math.round(m.score)), el("span", { class: "sr", text: t(" sur 100") })),
        el("h3", { id: titleID }, link(m.title || m.opportunity, m.url)),
        badge(m.status), stateBadge),
      el("p", { class: "meta" }, m.buyer ? m.buyer + " · " : "", deadlineNode(m.deadline)),
      reasons,
      el("div", { class: "actions", role: "group", "aria-label": t("Votre avis") }, ...buttons),
      reasonForm);

    async function send(verdict, reason) {
      buttons.forEach((b) => { b.disabled = true; });
      try {
        const body = reason ? { verdict, reason } : { verdict };
        const saved = await api("PUT", base() + "/matches/" + encodeURIComponent(m.opportunity) + "/feedback", body);
        stateBadge.textContent = STATE[saved.state] || saved.state;
        buttons.forEach((b) => b.setAttribute("aria-pressed", b.dataset.verdict === verdict ? "true" : "false"));
        li.dataset.feedback = verdict;
        $("#matches-status").textContent = t("Merci, avis enregistré : « ") + (m.title || m.opportunity) + " » " + VERDICT_DONE[verdict] + ".";
        reasonForm.hidden = true;
      } catch (e) {
        $("#matches-status").textContent = problemText(e);
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    }
    for (const b of buttons) {
      b.addEventListener("click", () => {
        if (b.dataset.verdict === "not_relevant") {
          reasonForm.hidden = false;
          reasonInput.focus();
          return;
        }
        send(b.dataset.verdict);
      });
    }
    reasonForm.addEventListener("submit", (ev) => { ev.preventDefault(); send("not_relevant", reasonInput.value.trim()); });
    reasonForm.querySelector("[data-cancel]").addEventListener("click", () => { reasonForm.hidden = true; });
    return li;
  }

  async function loadMatches(reset) {
    const list = $("#matches");
    const status = $("#matches-status");
    const more = $("#more");
    if (reset) { clear(list); cursor = ""; }
    const q = new URLSearchParams({ limit: String(PAGE) });
    const state = $("#f-state").value;
    const min = $("#f-min").value;
    if (state) q.set("state", state);
    if (min !== "") q.set("min_score", min);
    if (cursor) q.set("cursor", cursor);
    status.textContent = t("Chargement…");
    try {
      const page = await api("GET", base() + "/matches?" + q);
      for (const m of page.items) list.append(matchItem(m));
      cursor = page.next_cursor || "";
      more.hidden = !cursor;
      status.textContent = page.total === 0 ? t("Aucune opportunité ne correspond à ces filtres.")
        : page.total + t(" opportunité(s), ") + list.children.length + t(" affichée(s).");
    } catch (e) {
      more.hidden = true;
      if (e.status === 403) {
        // The basic tier: say so plainly instead of showing an error.
        $("#premium-title").textContent = e.problem.title || "Réservé à l'offre premium";
        $("#premium-notice").hidden = false;
        $("#filters").hidden = true;
        status.textContent = "";
        return;
      }
      status.textContent = problemText(e);
    }
  }

  P.initPage("member", async (me) => {
    member = me.member || "";
    if (me.role === "staff") {
      member = new URLSearchParams(location.search).get("member") || "";
      if (!member) { location.replace("/app/staff"); return; }
      $("#prefs-link").href = "/app/preferences?member=" + encodeURIComponent(member);
    }
    $("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); loadMatches(true); });
    $("#more").addEventListener("click", () => loadMatches(false));
    try {
      await loadProfile();
    } catch (e) {
      flash(problemText(e));
      return;
    }
    await loadMatches(true);
  });
})();
