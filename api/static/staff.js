// Staff console: sources and runs, members, match rules with preview, members' feedback.
"use strict";

(() => {
  const { api, el, clear, $, badge, dateText, problemText, flash } = P;
  const td = (text, cls) => el("td", { text: text === undefined || text === null ? "" : String(text), class: cls });
  const num = (n) => td(n, "num");
  const plural = (n, one, many) => n + " " + (n === 1 ? one : many);

  function sourceRunText(sr) {
    const parts = [sr.fetched + " lus", sr.new + " nouveaux", sr.updated + " mis à jour"];
    if (sr.failed) parts.push(sr.failed + " en échec");
    if (sr.not_modified) parts.push("inchangé (304)");
    return sr.source + " : " + parts.join(", ");
  }

  async function loadSourcesAndRuns() {
    const [sources, runs] = await Promise.all([api("GET", "/api/v1/sources"), api("GET", "/api/v1/runs?limit=20")]);
    // The newest run that included a source tells how that source last went.
    const last = {};
    for (const run of runs.items) {
      for (const sr of run.sources || []) if (!last[sr.source]) last[sr.source] = { run, sr };
    }
    const sbody = clear($("#sources tbody"));
    if (!sources.items.length) sbody.append(el("tr", {}, el("td", { colspan: "4", text: "Aucune source." })));
    for (const s of sources.items) {
      const l = last[s.id];
      let lastCell;
      if (!l) lastCell = td("jamais");
      else {
        const failed = (l.sr.errors && l.sr.errors.length) || l.sr.failed;
        lastCell = el("td", {}, badge(failed ? "failed" : "ok"), " " + dateText(l.sr.started || l.run.started, true));
        if (l.sr.errors && l.sr.errors.length) lastCell.append(el("div", { class: "error", text: l.sr.errors[0] }));
      }
      sbody.append(el("tr", {},
        el("th", { scope: "row" }, s.name || s.id, el("div", { class: "muted", text: s.id })),
        td(s.format), td(s.enabled ? "oui" : "non"), lastCell));
    }
    const rbody = clear($("#runs tbody"));
    if (!runs.items.length) rbody.append(el("tr", {}, el("td", { colspan: "5", text: "Aucun run pour l'instant." })));
    for (const run of runs.items) {
      const per = el("ul", { class: "plain" });
      for (const sr of run.sources || []) {
        const li = el("li", { text: sourceRunText(sr) });
        for (const e of sr.errors || []) li.append(el("div", { class: "error", text: e }));
        per.append(li);
      }
      if (run.error) per.append(el("li", { class: "error", text: run.error }));
      rbody.append(el("tr", { "data-run": run.id },
        el("th", { scope: "row", text: dateText(run.started, true) }),
        td(run.trigger), el("td", {}, badge(run.status)), el("td", {}, per), num(run.matches)));
    }
  }

  async function runNow() {
    const btn = $("#run-now");
    const status = $("#run-status");
    btn.disabled = true;
    try {
      const run = await api("POST", "/api/v1/runs");
      status.textContent = "Run lancé (" + run.id + ")…";
      // Follow the run until it ends, then refresh the tables.
      let cur = run;
      while (cur.status === "running") {
        await new Promise((r) => setTimeout(r, 1500));
        cur = await api("GET", "/api/v1/runs/" + encodeURIComponent(run.id));
      }
      status.textContent = "Run terminé : " + (badge(cur.status).textContent) + ".";
      await Promise.all([loadSourcesAndRuns(), loadMembers()]);
    } catch (e) {
      status.textContent = e.status === 409 ? "Un run est déjà en cours ; réessayez quand il sera fini." : problemText(e);
    } finally {
      btn.disabled = false;
    }
  }

  async function loadMembers() {
    const res = await api("GET", "/app/api/members");
    const body = clear($("#members tbody"));
    if (!res.items.length) body.append(el("tr", {}, el("td", { colspan: "3", text: "Aucun membre." })));
    for (const m of res.items) {
      body.append(el("tr", {},
        el("th", { scope: "row" }, el("a", { href: "/app/member?member=" + encodeURIComponent(m.id), text: m.name || m.id }),
          el("div", { class: "muted", text: m.id })),
        td(m.tier), num(m.tier === "premium" ? m.matches : "—")));
    }
  }

  async function loadRules() {
    const r = await api("GET", "/api/v1/rules");
    $("#rules-version").textContent = "Version en vigueur : " + r.version +
      (r.created ? " · " + dateText(r.created, true) : "") + (r.comment ? " · « " + r.comment + " »" : "");
    $("#rules-json").value = JSON.stringify(r, null, 2);
  }

  // rulesBody reads the textarea; a JSON mistake is reported here rather than sent.
  function rulesBody() {
    clear($("#rules-errors"));
    try {
      return JSON.stringify(JSON.parse($("#rules-json").value));
    } catch (e) {
      $("#rules-status").textContent = "JSON invalide : " + e.message;
      return null;
    }
  }

  function showRulesError(e) {
    $("#rules-status").textContent = problemText(e);
    const ul = clear($("#rules-errors"));
    for (const f of (e.problem && e.problem.errors) || []) {
      ul.append(el("li", {}, el("code", { text: f.path }), " : " + f.message));
    }
  }

  async function previewRules() {
    const body = rulesBody();
    if (body === null) return;
    $("#rules-status").textContent = "Prévisualisation…";
    try {
      const rep = await api("POST", "/api/v1/rules/preview", body);
      $("#rules-status").textContent = "";
      $("#preview-summary").textContent = "Par rapport à la version " + rep.current_version + ", sur " +
        plural(rep.opportunities, "opportunité ouverte", "opportunités ouvertes") + " : " +
        rep.added + " ajoutés, " + rep.removed + " retirés, " + rep.moved + " déplacés.";
      if (rep.feedback && rep.feedback.judged) {
        const f = rep.feedback;
        $("#preview-summary").append(el("br"), "Retours : " + f.relevant_kept_before + " → " + f.relevant_kept_after +
          " pertinents gardés, " + f.not_relevant_kept_before + " → " + f.not_relevant_kept_after + " non pertinents gardés.");
      }
      const tbody = clear($("#preview-members tbody"));
      for (const m of rep.members || []) {
        tbody.append(el("tr", { "data-member": m.member }, el("th", { scope: "row", text: m.member }),
          num(m.before), num(m.after), num((m.added || []).length), num((m.removed || []).length), num((m.moved || []).length)));
      }
      $("#preview-result").hidden = false;
    } catch (e) {
      showRulesError(e);
    }
  }

  async function saveRules() {
    const body = rulesBody();
    if (body === null) return;
    $("#rules-status").textContent = "Enregistrement…";
    try {
      const saved = await api("PUT", "/api/v1/rules", body);
      await loadRules();
      $("#preview-result").hidden = true;
      $("#rules-status").textContent = "Version " + saved.version + " enregistrée.";
    } catch (e) {
      showRulesError(e);
    }
  }

  async function loadFeedback() {
    const counts = await api("GET", "/api/v1/feedback");
    const body = clear($("#feedback tbody"));
    const versions = Object.keys(counts || {}).map(Number).sort((a, b) => b - a);
    if (!versions.length) body.append(el("tr", {}, el("td", { colspan: "5", text: "Aucun retour pour l'instant." })));
    for (const v of versions) {
      const c = counts[v] || {};
      body.append(el("tr", {}, el("th", { scope: "row", text: "v" + v }),
        num(c.relevant || 0), num(c.not_relevant || 0), num(c.saved || 0), num(c.dismissed || 0)));
    }
  }

  P.initPage("staff", async () => {
    $("#run-now").addEventListener("click", runNow);
    $("#rules-preview").addEventListener("click", previewRules);
    $("#rules-save").addEventListener("click", saveRules);
    const results = await Promise.allSettled([loadSourcesAndRuns(), loadMembers(), loadRules(), loadFeedback()]);
    const failed = results.filter((r) => r.status === "rejected");
    if (failed.length) flash(problemText(failed[0].reason));
  });
})();
