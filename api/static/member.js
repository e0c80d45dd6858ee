// Member page: the profile, the ranked and explained matches (sorted and filtered by score,
// deadline, kind, state, cluster), feedback on each (shown, and undone), the saved list, the
// feeds with "renew the address", a CSV export, and search.
// Staff may open it for any member with ?member=ID (an id, never a key, in the URL).
"use strict";

(() => {
  const { api, el, clear, $, badge, deadlineNode, problemText, flash, t } = P;
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
  let savedOnly = false;

  // The title opens Passerelle's page of the opportunity, which links on to the notice.
  const pageLink = (text, id) => el("a", { href: "/app/opportunities/" + encodeURIComponent(id) + (new URLSearchParams(location.search).get("member") ? "?member=" + encodeURIComponent(member) : ""), text });

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
    const verdictLine = el("p", { class: "verdict", hidden: !m.feedback });
    const undo = el("button", { type: "button", class: "link", "data-undo": "", text: t("Annuler mon avis") });
    const showVerdict = (v) => {
      clear(verdictLine).append(t("Votre avis : "), el("strong", { text: VERDICT_DONE[v] || v }), " ", undo);
      verdictLine.hidden = !v;
    };
    const reasonInput = el("input", { type: "text", maxlength: "2000", id: titleID + "-r" });
    const reasonForm = el("form", { class: "reason-form row", hidden: true },
      el("label", { for: titleID + "-r", text: t("Pourquoi pas pertinent ? (facultatif)") }), reasonInput,
      el("button", { type: "submit", text: t("Envoyer") }),
      el("button", { type: "button", class: "secondary", "data-cancel": "", text: t("Annuler") }));

    const li = el("li", { class: "match", "data-opportunity": m.opportunity, "data-feedback": m.feedback ? m.feedback.verdict : undefined },
      el("header", {},
        el("span", { class: "score" }, el("span", { class: "sr", text: "Score " }), String(Math.round(m.score)), el("span", { class: "sr", text: t(" sur 100") })),
        el("h3", { id: titleID }, pageLink(m.title || m.opportunity, m.opportunity)),
        badge(m.status), stateBadge),
      el("p", { class: "meta" }, m.buyer ? m.buyer + " · " : "", deadlineNode(m.deadline)),
      reasons,
      verdictLine,
      el("div", { class: "actions", role: "group", "aria-label": t("Votre avis") }, ...buttons),
      reasonForm);
    if (m.feedback) showVerdict(m.feedback.verdict);
    undo.addEventListener("click", async () => {
      undo.disabled = true;
      try {
        const back = await api("DELETE", base() + "/matches/" + encodeURIComponent(m.opportunity) + "/feedback");
        stateBadge.textContent = STATE[back.state] || back.state;
        buttons.forEach((b) => b.setAttribute("aria-pressed", "false"));
        delete li.dataset.feedback;
        showVerdict("");
        $("#matches-status").textContent = t("Avis retiré : « ") + (m.title || m.opportunity) + " ».";
      } catch (e) {
        $("#matches-status").textContent = problemText(e);
      } finally {
        undo.disabled = false;
      }
    });

    async function send(verdict, reason) {
      buttons.forEach((b) => { b.disabled = true; });
      try {
        const body = reason ? { verdict, reason } : { verdict };
        const saved = await api("PUT", base() + "/matches/" + encodeURIComponent(m.opportunity) + "/feedback", body);
        stateBadge.textContent = STATE[saved.state] || saved.state;
        buttons.forEach((b) => b.setAttribute("aria-pressed", b.dataset.verdict === verdict ? "true" : "false"));
        li.dataset.feedback = verdict;
        showVerdict(verdict);
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

  // query is the list asked for: the filters, or the saved list.
  function query() {
    const q = new URLSearchParams();
    const state = savedOnly ? "saved" : $("#f-state").value;
    const min = $("#f-min").value;
    if (state) q.set("state", state);
    if (min !== "") q.set("min_score", min);
    if ($("#f-sort").value !== "score") q.set("sort", $("#f-sort").value);
    if ($("#f-kind").value) q.set("kind", $("#f-kind").value);
    if ($("#f-cluster").value) q.set("cluster", $("#f-cluster").value);
    return q;
  }

  async function loadMatches(reset) {
    const list = $("#matches");
    const status = $("#matches-status");
    const more = $("#more");
    if (reset) { clear(list); cursor = ""; }
    const q = query();
    q.set("limit", String(PAGE));
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
        $("#lists").hidden = true;
        status.textContent = "";
        return;
      }
      status.textContent = problemText(e);
    }
  }

  // showList switches between all matches and the saved list.
  function showList(saved) {
    savedOnly = saved;
    $("#tab-all").setAttribute("aria-pressed", saved ? "false" : "true");
    $("#tab-saved").setAttribute("aria-pressed", saved ? "true" : "false");
    $("#f-state-field").hidden = saved;
    loadMatches(true);
  }

  // exportCSV downloads what the list shows, as CSV: fetched with the key (a plain link
  // cannot carry it), then handed to the browser as a file.
  async function exportCSV() {
    const status = $("#matches-status");
    try {
      const resp = await fetch(base() + "/matches.csv?" + query(), {
        headers: { "Authorization": "Bearer " + P.key() }, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" });
      if (!resp.ok) throw new P.APIError(resp.status, await resp.json().catch(() => null));
      const url = URL.createObjectURL(await resp.blob());
      const a = el("a", { href: url, download: "passerelle-" + member + (savedOnly ? "-saved" : "") + ".csv", hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      status.textContent = t("Export prêt.");
    } catch (e) {
      status.textContent = problemText(e);
    }
  }

  // Feeds: the store keeps only a hash of their token, so an address is shown when it is
  // made; "renew" makes new ones (the old ones stop working).
  async function loadFeeds() {
    try {
      const st = await api("GET", base() + "/feeds");
      $("#feeds-state").textContent = st.exists
        ? t("Vos adresses existent. Pour les afficher, renouvelez-les : les anciennes cesseront de fonctionner.")
        : t("Pas encore d'adresse : créez-la.");
      $("#feeds").hidden = false;
    } catch (e) {
      $("#feeds").hidden = true; // basic tier: no feeds
    }
  }
  async function renewFeeds() {
    try {
      const links = await api("POST", base() + "/feeds");
      $("#feed-atom").setAttribute("href", links.atom);
      $("#feed-atom").textContent = t("Flux Atom") + " — " + links.atom;
      $("#feed-ics").setAttribute("href", links.ics);
      $("#feed-ics").textContent = t("Agenda iCal") + " — " + links.ics;
      $("#feeds-links").hidden = false;
      $("#feeds-state").textContent = t("Nouvelles adresses : copiez-les maintenant, elles ne seront plus affichées.");
    } catch (e) {
      $("#feeds-state").textContent = problemText(e);
    }
  }

  P.initPage("member", async (me) => {
    member = me.member || "";
    if (me.role === "staff") {
      member = new URLSearchParams(location.search).get("member") || "";
      if (!member) { location.replace("/app/staff"); return; }
      $("#prefs-link").href = "/app/preferences?member=" + encodeURIComponent(member);
      $("#profiles-link").href = "/app/profiles?member=" + encodeURIComponent(member);
    }
    $("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); loadMatches(true); });
    $("#more").addEventListener("click", () => loadMatches(false));
    $("#tab-all").addEventListener("click", () => showList(false));
    $("#tab-saved").addEventListener("click", () => showList(true));
    $("#export-csv").addEventListener("click", exportCSV);
    $("#feeds-renew").addEventListener("click", renewFeeds);
    try {
      await loadProfile();
    } catch (e) {
      flash(problemText(e));
      return;
    }
    await Promise.all([loadMatches(true), loadFeeds()]);
  });
})();
