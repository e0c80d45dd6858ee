// The staff console's detail pages, one script for the three (the page says which in
// #page[data-page]): a run (per source, deliveries per channel, live while it runs), a
// member (its matches as it sees them, its delivery log) and the members' feedback
// (verdicts with reasons, per member and rules version, notices most often judged not
// relevant). Ids come in the query string; everything else from the JSON API.
"use strict";

(() => {
  const { api, el, clear, $, badge, dateText, problemText, flash, t } = P;
  const td = (text, cls) => el("td", { text: text === undefined || text === null ? "" : String(text), class: cls });
  const num = (n) => td(n, "num");
  const plural = (n, one, many) => n + " " + (n === 1 ? t(one) : t(many));
  const emptyRow = (cols, text) => el("tr", { class: "empty" }, el("td", { colspan: String(cols), class: "muted", text: t(text) }));
  const query = new URLSearchParams(location.search);
  const STATE = { new: t("nouveau"), notified: t("notifié"), seen: t("vu"), saved: t("sauvegardé"), dismissed: t("écarté") };
  const VERDICT = { relevant: t("pertinent"), not_relevant: t("pas pertinent"), saved: t("sauvegardé"), dismissed: t("écarté") };
  const CHANNEL_STATE = { pending: t("en attente"), sending: t("envoi interrompu (repris au prochain run)"), failed: t("échec (réessayé au prochain run)"),
    sent: t("envoyé"), abandoned: t("abandonné après trop d'échecs") };
  const fact = (dl, label, value) => {
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return;
    dl.append(el("dt", { text: label }), el("dd", {}, ...(Array.isArray(value) ? [value.join(", ")] : [value])));
  };

  // ---- A run -------------------------------------------------------------------------------
  const STAGE = { ingest: t("lecture des sources"), match: t("matching"), notify: t("envoi des résumés") };

  function showRun(run) {
    $("#run-h").textContent = t("Run") + " " + run.id;
    $("#run-progress").replaceChildren(badge(run.status), " " + P.runProgress(run));
    // A failed delivery makes the run partial (it is tried again next run): say how many.
    if (run.delivery_failures) {
      $("#run-progress").append(" ", el("span", { class: "badge failed", text: plural(run.delivery_failures, "envoi en échec", "envois en échec") }));
    }
    const dl = clear($("#run-facts"));
    fact(dl, t("Déclencheur"), run.trigger);
    fact(dl, t("Début"), dateText(run.started, true));
    fact(dl, t("Fin"), run.finished ? dateText(run.finished, true) : t("en cours"));
    fact(dl, run.status === "running" ? t("Étape") : t("Dernière étape"), STAGE[run.stage] || run.stage);
    fact(dl, t("Opportunités indexées"), String(run.indexed || 0));
    fact(dl, t("Opportunités passées au matching"), String(run.matched || 0));
    fact(dl, t("Matches faits"), String(run.matches || 0));
    fact(dl, t("Enregistrements illisibles"), run.failed_records ? String(run.failed_records) : "");
    $("#run-error").textContent = run.error || "";
    $("#run-error").hidden = !run.error;

    const body = clear($("#run-sources tbody"));
    const srcs = run.sources || [];
    if (!srcs.length) {
      body.append(emptyRow(8, run.status === "running" ? "Aucune source lue pour l'instant ; la page se met à jour seule."
        : "Ce run n'a lu aucune source : il a fini le travail en attente et envoyé les résumés. Ajoutez ou activez une source dans la console pour qu'un run la lise."));
    }
    for (const sr of srcs) {
      const failed = (sr.errors && sr.errors.length) || sr.failed;
      const notes = el("td", {});
      for (const e of sr.errors || []) notes.append(el("div", { class: "error", text: e }));
      for (const n of sr.notes || []) notes.append(el("div", { class: "muted", text: n }));
      if (sr.not_modified) notes.append(el("div", { class: "muted", text: t("inchangé (304)") }));
      body.append(el("tr", { "data-source": sr.source }, el("th", { scope: "row", text: sr.source }),
        el("td", {}, badge(failed ? "failed" : "ok")), num(sr.fetched), num(sr.new), num(sr.updated), num(sr.unchanged), num(sr.failed), notes));
    }

    $("#run-digests").textContent = run.digests || run.deliveries || run.delivery_failures
      ? plural(run.digests || 0, "résumé fait", "résumés faits") + ", " + plural(run.deliveries || 0, "envoi réussi", "envois réussis") + ", " +
        plural(run.delivery_failures || 0, "envoi en échec", "envois en échec") + "."
      : "";
    const cb = clear($("#run-channels tbody"));
    const chans = run.channels || [];
    if (!chans.length) {
      cb.append(emptyRow(4, run.status === "running" ? "Les résumés partent à la fin du run."
        : "Ce run n'a envoyé aucun résumé : aucun membre premium n'avait de nouvelle opportunité, ou aucun canal n'est configuré (serveur SMTP, secret des webhooks)."));
    }
    for (const c of chans) {
      const errs = el("td", {});
      for (const e of c.errors || []) errs.append(el("div", { class: "error", text: e }));
      if (c.failed > (c.errors || []).length) errs.append(el("div", { class: "muted", text: t("… et d'autres : voyez le journal des résumés de chaque membre.") }));
      cb.append(el("tr", { "data-channel": c.channel }, el("th", { scope: "row", text: c.channel === "email" ? t("e-mail") : c.channel }),
        num(c.sent), num(c.failed), errs));
    }
  }

  async function runPage() {
    const id = query.get("id");
    if (!id) { location.replace("/app/staff#runs-h"); return; }
    let run = await api("GET", "/api/v1/runs/" + encodeURIComponent(id));
    showRun(run);
    // A run in progress: follow it until it ends.
    while (run.status === "running") {
      await new Promise((r) => setTimeout(r, 1000));
      run = await api("GET", "/api/v1/runs/" + encodeURIComponent(id));
      showRun(run);
    }
  }

  // ---- A member ------------------------------------------------------------------------------
  const points = (p) => (p >= 0 ? "+" : "−") + Math.abs(Math.round(p * 10) / 10).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "fr-BE");

  // matchItem shows a match as the member's page does: score, title, status, state, deadline,
  // the reasons in the member's words, and the verdict it gave, with its reason.
  function matchItem(m) {
    const reasons = el("ul", { class: "reasons" });
    ((m.explanation && m.explanation.contributions) || []).forEach((c, i) => {
      reasons.append(el("li", {}, el("span", { class: "pts", text: points(c.points) }), " ", (m.said && m.said[i]) || c.evidence || c.signal));
    });
    if (m.explanation && m.explanation.veto) reasons.append(el("li", { class: "veto", text: t("Exclu : ") + m.explanation.veto }));
    const verdict = m.feedback
      ? el("p", { class: "meta" }, t("Avis du membre : "), el("strong", { text: VERDICT[m.feedback.verdict] || m.feedback.verdict }),
        m.feedback.reason ? " — « " + m.feedback.reason + " »" : "", " (" + dateText(m.feedback.at, true) + ")")
      : el("p", { class: "meta", text: t("Pas encore d'avis du membre.") });
    return el("li", { class: "match", "data-opportunity": m.opportunity },
      el("header", {}, el("span", { class: "score", text: String(Math.round(m.score)) }),
        el("h3", {}, P.link(m.title || m.opportunity, m.url)), badge(m.status),
        el("span", { class: "badge state", text: STATE[m.state] || m.state })),
      el("p", { class: "meta" }, m.buyer ? m.buyer + " · " : "", P.deadlineNode(m.deadline), " · v" + m.rules_version),
      reasons, verdict);
  }

  let member = "";
  let matchCursor = "", digestCursor = "";
  const base = () => "/api/v1/members/" + encodeURIComponent(member);

  async function loadMemberMatches() {
    const q = new URLSearchParams({ limit: "20" });
    if (matchCursor) q.set("cursor", matchCursor);
    $("#mm-status").textContent = t("Chargement…");
    try {
      const page = await api("GET", base() + "/matches?" + q);
      for (const m of page.items) $("#mm-list").append(matchItem(m));
      matchCursor = page.next_cursor || "";
      $("#mm-more").hidden = !matchCursor;
      $("#mm-status").textContent = page.total === 0
        ? t("Aucune opportunité retenue pour ce membre. Ajoutez-lui des compétences ou des clusters (console, « Modifier »), ou lancez un run.")
        : page.total + t(" opportunité(s), ") + $("#mm-list").children.length + t(" affichée(s).");
    } catch (e) {
      $("#mm-more").hidden = true;
      if (e.status === 403) { $("#mm-premium").hidden = false; $("#mm-status").textContent = ""; return; }
      $("#mm-status").textContent = problemText(e);
    }
  }

  function channelLine(c) {
    const line = el("div", { class: "channel", "data-channel": c.channel },
      el("strong", { text: c.channel === "email" ? t("e-mail") : c.channel }), c.target ? " → " + c.target : "", " : ",
      el("span", { class: "badge " + (c.state === "sent" ? "ok" : c.state === "pending" || c.state === "sending" ? "running" : "failed"), text: CHANNEL_STATE[c.state] || c.state }),
      " · " + plural(c.attempts || 0, "tentative", "tentatives"),
      c.delivered ? " · " + t("envoyé le ") + dateText(c.delivered, true) : "");
    if (c.error) line.append(el("div", { class: "error", text: c.error }));
    if (c.message_id) line.append(el("div", { class: "muted" }, t("Identifiant du message : "), el("code", { text: c.message_id })));
    return line;
  }

  async function loadDigests(reset) {
    const q = new URLSearchParams({ limit: "20" });
    if (reset) digestCursor = "";
    if (digestCursor) q.set("cursor", digestCursor);
    const res = await api("GET", base() + "/digests?" + q);
    const body = $("#digests tbody");
    if (reset) clear(body);
    if (reset && !res.items.length) {
      body.append(emptyRow(4, "Aucun résumé pour l'instant. Un résumé part après un run quand le membre, premium, a de nouvelles opportunités et un canal (e-mail avec un contact, ou webhook)."));
    }
    for (const d of res.items) {
      const items = el("ul", { class: "plain" });
      for (const it of d.items) items.append(el("li", { text: it.title || it.opportunity }));
      const what = el("td", {}, el("details", {}, el("summary", { text: plural(d.items.length, "opportunité", "opportunités") }), items));
      if (d.held) what.append(el("div", { class: "muted", text: plural(d.held, "autre attend sur sa page", "autres attendent sur sa page") }));
      const chans = el("td", {});
      for (const c of d.channels) chans.append(channelLine(c));
      body.append(el("tr", { "data-digest": d.id }, el("th", { scope: "row", text: d.period }),
        el("td", {}, dateText(d.created, true), d.run ? el("div", {}, el("a", { href: "/app/staff/run?id=" + encodeURIComponent(d.run), text: t("run ") + d.run })) : null),
        what, chans));
    }
    digestCursor = res.next_cursor || "";
    $("#digests-more").hidden = !digestCursor;
  }

  async function memberPage() {
    member = query.get("id") || "";
    if (!member) { location.replace("/app/staff#members-h"); return; }
    const m = await api("GET", base());
    $("#member-h").textContent = (m.name || m.id) + " (" + m.id + ")";
    const dl = clear($("#member-facts"));
    fact(dl, t("Offre"), m.tier === "premium" ? "premium" : t("de base (basic)"));
    fact(dl, t("Clusters"), m.clusters);
    fact(dl, t("Compétences"), m.skills);
    fact(dl, t("Régions (NUTS)"), m.regions);
    fact(dl, t("Exclusions"), m.exclude);
    fact(dl, t("Contacts"), (m.contacts || []).map((c) => (c.name ? c.name + " <" + c.email + ">" : c.email)));
    const n = m.notify || {};
    fact(dl, t("Résumés"), (n.frequency === "weekly" ? t("chaque semaine") : n.frequency === "off" ? t("jamais") : t("chaque jour")) +
      " · " + (n.channels && n.channels.length ? n.channels : ["email"]).join(", "));
    $("#member-feedback").href = "/app/staff/feedback?member=" + encodeURIComponent(m.id);
    $("#member-page").href = "/app/member?member=" + encodeURIComponent(m.id);
    $("#mm-more").addEventListener("click", loadMemberMatches);
    $("#digests-more").addEventListener("click", () => loadDigests(false).catch((e) => flash(problemText(e))));
    await Promise.all([loadMemberMatches(), loadDigests(true)]);
  }

  // ---- Feedback ------------------------------------------------------------------------------
  let fbCursor = "";
  const countRow = (head, c) => el("tr", {}, head, num(c.relevant), num(c.not_relevant), num(c.saved), num(c.dismissed));

  function fbQuery() {
    const q = new URLSearchParams({ limit: "50" });
    if (query.get("member")) q.set("member", query.get("member"));
    if (query.get("rules_version")) q.set("rules_version", query.get("rules_version"));
    return q;
  }

  function verdictRows(items) {
    const body = $("#fb-verdicts tbody");
    for (const v of items) {
      body.append(el("tr", { "data-opportunity": v.opportunity, "data-member": v.member }, el("th", { scope: "row", text: dateText(v.at, true) }),
        el("td", {}, el("a", { href: "/app/staff/member?id=" + encodeURIComponent(v.member), text: v.member_name || v.member })),
        td(v.title || v.opportunity), num(Math.round(v.score)), td(VERDICT[v.verdict] || v.verdict), td(v.reason || "—"), td("v" + v.rules_version)));
    }
  }

  async function loadFeedbackReport() {
    const rep = await api("GET", "/api/v1/feedback/report?" + fbQuery());
    const c = rep.counts;
    const total = c.relevant + c.not_relevant + c.saved + c.dismissed;
    const counts = clear($("#fb-counts"));
    for (const [k, label] of [["relevant", "pertinent"], ["not_relevant", "pas pertinent"], ["saved", "sauvegardé"], ["dismissed", "écarté"]]) {
      counts.append(el("li", { "data-verdict": k }, el("strong", { text: String(c[k]) }), " " + t(label)));
    }
    $("#fb-empty").hidden = total > 0 || !!(query.get("member") || query.get("rules_version"));

    const nr = clear($("#fb-not-relevant tbody"));
    if (!rep.not_relevant.length) nr.append(emptyRow(5, "Aucune opportunité jugée pas pertinente avec ces filtres."));
    for (const n of rep.not_relevant) {
      const reasons = el("td", {});
      for (const r of n.reasons) reasons.append(el("div", { text: "« " + r + " »" }));
      if (!n.reasons.length) reasons.textContent = "—";
      nr.append(el("tr", { "data-opportunity": n.opportunity }, el("th", { scope: "row", text: n.title || n.opportunity }),
        num(n.not_relevant), num(n.dismissed), td([...new Set(n.members)].join(", ")), reasons));
    }
    const vb = clear($("#fb-versions tbody"));
    if (!rep.by_version.length) vb.append(emptyRow(5, "Aucun avis avec ces filtres."));
    for (const v of rep.by_version) vb.append(countRow(el("th", { scope: "row", text: "v" + v.rules_version }), v));
    const mb = clear($("#fb-members tbody"));
    if (!rep.by_member.length) mb.append(emptyRow(5, "Aucun avis avec ces filtres."));
    for (const m of rep.by_member) {
      mb.append(countRow(el("th", { scope: "row" }, el("a", { href: "/app/staff/member?id=" + encodeURIComponent(m.member), text: m.name || m.member })), m));
    }
    clear($("#fb-verdicts tbody"));
    if (!rep.verdicts.items.length) $("#fb-verdicts tbody").append(emptyRow(7, "Aucun avis avec ces filtres."));
    verdictRows(rep.verdicts.items);
    fbCursor = rep.verdicts.next_cursor || "";
    $("#fb-more").hidden = !fbCursor;
  }

  async function moreVerdicts() {
    const q = fbQuery();
    q.set("cursor", fbCursor);
    const rep = await api("GET", "/api/v1/feedback/report?" + q);
    verdictRows(rep.verdicts.items);
    fbCursor = rep.verdicts.next_cursor || "";
    $("#fb-more").hidden = !fbCursor;
  }

  async function feedbackPage() {
    const [members, versions] = await Promise.all([api("GET", "/app/api/members"), api("GET", "/api/v1/rules/versions")]);
    const ms = $("#fb-member");
    for (const m of members.items) ms.append(el("option", { value: m.id, text: (m.name || m.id) + " (" + m.id + ")" }));
    ms.value = query.get("member") || "";
    const vs = $("#fb-version");
    for (const v of versions.items.slice().sort((a, b) => b.version - a.version)) {
      vs.append(el("option", { value: String(v.version), text: "v" + v.version + (v.comment ? " — " + v.comment : "") }));
    }
    vs.value = query.get("rules_version") || "";
    // Filters go in the address, so that a filtered view can be bookmarked and shared.
    $("#fb-filter").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams();
      if (ms.value) q.set("member", ms.value);
      if (vs.value) q.set("rules_version", vs.value);
      location.assign("/app/staff/feedback" + (q.toString() ? "?" + q : ""));
    });
    $("#fb-more").addEventListener("click", () => moreVerdicts().catch((e) => flash(problemText(e))));
    await loadFeedbackReport();
  }

  const PAGES = { run: runPage, member: memberPage, feedback: feedbackPage };
  P.initPage("staff", async () => {
    const page = PAGES[$("#page").dataset.page];
    try {
      await page();
    } catch (e) {
      flash(problemText(e));
    }
  });
})();
