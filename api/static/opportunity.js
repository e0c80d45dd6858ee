// Opportunity page: the whole notice, its stages and revisions (each field old → new), and,
// for the member who has a match on it, the reasons and the verdict. Opened from a digest it
// carries a signed token (?t=) and needs no key; otherwise it reads with the visitor's key.
"use strict";

(() => {
  const { api, el, clear, $, badge, deadlineNode, dateText, problemText, t } = P;
  const params = new URLSearchParams(location.search);
  const token = params.get("t") || "";
  const id = decodeURIComponent(location.pathname.replace(/^\/app\/opportunities\//, ""));
  const KIND = { call: t("appel à projets"), tender: t("marché public"), grant: t("subside"), "prior-info": t("préinformation"), award: t("attribution"), other: t("autre") };
  const FIELD = { title: t("Titre"), description: t("Description"), deadline: t("Date limite"), status: t("Statut"), value: t("Montant"), stages: t("Étapes") };
  const VERDICT = { relevant: t("pertinent"), not_relevant: t("pas pertinent"), saved: t("sauvegardé"), dismissed: t("écarté") };
  const points = (p) => (p >= 0 ? "+" : "−") + Math.abs(Math.round(p * 10) / 10);


  function row(dl, label, value) {
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return;
    dl.append(el("dt", { text: label }), el("dd", {}, value instanceof Node ? value : (Array.isArray(value) ? value.join(", ") : String(value))));
  }

  // changeText shows a revision's field: dates as dates, long texts as before/after blocks.
  function changeNode(c) {
    const name = FIELD[c.field] || c.field;
    const show = (v) => (c.field === "deadline" && v ? dateText(v, true) : v) || "—";
    if (c.field === "description") {
      return el("li", {}, el("strong", { text: name }),
        el("del", { class: "longtext", text: c.old || "—" }), el("ins", { class: "longtext", text: c.new || "—" }));
    }
    return el("li", {}, el("strong", { text: name + " : " }), el("del", { text: show(c.old) }), " → ", el("ins", { text: show(c.new) }));
  }

  function render(page) {
    if (page.now) P.setNow(page.now);
    const o = page.opportunity;
    document.title = (o.title || o.id) + " · Passerelle";
    $("#opp-title").textContent = o.title || o.id;
    clear($("#opp-meta")).append(badge(o.status), " ", KIND[o.kind] || o.kind || "", " · ", deadlineNode(o.deadline));
    const dl = clear($("#opp-facts"));
    row(dl, t("Acheteur"), o.buyer);
    row(dl, t("Date limite"), o.deadline ? dateText(o.deadline, true) : t("date limite inconnue"));
    row(dl, t("Publiée le"), o.published ? dateText(o.published) : "");
    row(dl, t("Programme"), [o.programme, o.action_type].filter(Boolean).join(" — "));
    row(dl, t("Montant"), o.value ? o.value.amount.toLocaleString() + " " + (o.value.currency || "") : "");
    row(dl, t("Pays et régions"), [o.country, ...(o.nuts || [])].filter(Boolean));
    row(dl, t("Codes CPV"), o.cpv);
    row(dl, t("Clusters"), o.clusters);
    row(dl, t("Source"), o.source);
    if (page.official) {
      $("#opp-official").setAttribute("href", page.official);
      $("#opp-official-p").hidden = false;
    }
    $("#opp").hidden = false;
    if (o.description) {
      $("#opp-text").textContent = o.description;
      $("#opp-text-card").hidden = false;
    }
    const stages = clear($("#opp-stages"));
    for (const s of o.stages || []) stages.append(el("li", {}, s.name + " — ", deadlineNode(s.deadline)));
    $("#opp-stages-card").hidden = !stages.children.length;
    const revs = clear($("#opp-revisions"));
    for (const r of (o.revisions || []).slice().reverse()) {
      revs.append(el("li", { class: "revision" },
        el("p", { class: "meta", text: t("Révision ") + r.n + " · " + dateText(r.at, true) + (r.source ? " · " + r.source : "") }),
        el("ul", { class: "changes" }, ...(r.changes || []).map(changeNode))));
    }
    $("#opp-revisions-card").hidden = !revs.children.length;
    const m = page.match;
    if (m) {
      $("#opp-score").textContent = t("Score : ") + Math.round(m.score) + t(" sur 100");
      const ul = clear($("#opp-reasons"));
      ((m.explanation && m.explanation.contributions) || []).forEach((c, i) => {
        ul.append(el("li", {}, el("span", { class: "pts", text: points(c.points) }), " ", (m.said && m.said[i]) || c.evidence || c.signal));
      });
      $("#opp-verdict").textContent = m.feedback ? t("Votre avis : ") + (VERDICT[m.feedback.verdict] || m.feedback.verdict) : t("Pas encore d'avis.");
      $("#opp-match").hidden = false;
    }
    $("#opp-status").textContent = "";
  }

  async function load(withKey) {
    const path = "/app/api/opportunities/" + encodeURIComponent(id) + (token ? "?t=" + encodeURIComponent(token) : "") +
      (!token && params.get("member") ? "?member=" + encodeURIComponent(params.get("member")) : "");
    try {
      render(await api("GET", path, undefined, withKey));
    } catch (e) {
      $("#opp-status").textContent = problemText(e);
    }
  }

  if (token) {
    load("link"); // the token is the credential; no key is sent
  } else {
    P.initPage("member", () => load());
  }
})();
