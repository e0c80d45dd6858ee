// Staff console: sources (add, edit, test, run, history), runs, members, API keys, match rules
// with preview, versions and rollback, members' feedback, and the audit log of staff changes.
"use strict";

(() => {
  const { api, el, clear, $, badge, dateText, problemText, flash, t } = P;
  const td = (text, cls) => el("td", { text: text === undefined || text === null ? "" : String(text), class: cls });
  const num = (n) => td(n, "num");
  const plural = (n, one, many) => n + " " + (n === 1 ? t(one) : t(many));
  const button = (text, cls, onClick, attrs) => {
    const b = el("button", Object.assign({ type: "button", class: cls, text: t(text) }, attrs || {}));
    b.addEventListener("click", onClick);
    return b;
  };
  // armed is a button for an action that cannot be undone: the first click asks, by changing
  // its own text, and only a second click acts. No confirm() box: it blocks the page.
  const armed = (text, confirmText, onConfirm, attrs) => {
    const b = el("button", Object.assign({ type: "button", class: "danger", text: t(text) }, attrs || {}));
    b.addEventListener("click", () => {
      if (b.dataset.armed !== "1") {
        b.dataset.armed = "1";
        b.textContent = t(confirmText);
        return;
      }
      b.disabled = true;
      onConfirm();
    });
    b.addEventListener("blur", () => { b.dataset.armed = ""; b.textContent = t(text); });
    return b;
  };
  // emptyRow is the row a table shows when it has nothing: it says what to do first.
  const emptyRow = (cols, text) => el("tr", { class: "empty" }, el("td", { colspan: String(cols), class: "muted", text: t(text) }));
  let me = {};

  function sourceRunText(sr) {
    const parts = [sr.fetched + " " + t("lus"), sr.new + " " + t("nouveaux"), sr.updated + " " + t("mis à jour")];
    if (sr.failed) parts.push(sr.failed + " " + t("en échec"));
    if (sr.not_modified) parts.push(t("inchangé (304)"));
    return sr.source + " : " + parts.join(", ");
  }

  // ---- Sources -------------------------------------------------------------------------
  let sources = [];
  let editing = null; // id of the source being edited; null when adding

  async function loadSourcesAndRuns() {
    const [srcs, runs] = await Promise.all([api("GET", "/api/v1/sources"), api("GET", "/api/v1/runs?limit=20")]);
    sources = srcs.items || [];
    // The newest run that included a source tells how that source last went.
    const last = {};
    for (const run of runs.items || []) {
      for (const sr of run.sources || []) if (!last[sr.source]) last[sr.source] = { run, sr };
    }
    $("#sources-empty").hidden = sources.length > 0;
    const sbody = clear($("#sources tbody"));
    if (!sources.length) sbody.append(emptyRow(5, "Aucune source."));
    for (const s of sources) {
      const l = last[s.id];
      let lastCell;
      if (!l) lastCell = td(t("jamais"));
      else {
        const failed = (l.sr.errors && l.sr.errors.length) || l.sr.failed;
        lastCell = el("td", {}, badge(failed ? "failed" : "ok"), " " + dateText(l.sr.started || l.run.started, true));
        if (l.sr.errors && l.sr.errors.length) lastCell.append(el("div", { class: "error", text: l.sr.errors[0] }));
      }
      const actions = el("div", { class: "actions" },
        button("Modifier", "secondary", () => editSource(s)),
        button(s.enabled ? "Désactiver" : "Activer", "secondary", () => toggleSource(s)),
        button("Lancer", "secondary", () => runSource(s)),
        button("Historique", "secondary", () => showHistory(s)),
        armed("Supprimer", "Confirmer la suppression", () => deleteSource(s)));
      sbody.append(el("tr", { "data-source": s.id },
        el("th", { scope: "row" }, s.name || s.id, el("div", { class: "muted", text: s.id + " · " + s.url })),
        td(s.format || "auto"), td(s.enabled ? t("oui") : t("non")), lastCell, el("td", {}, actions)));
    }
    const rbody = clear($("#runs tbody"));
    if (!(runs.items || []).length) rbody.append(emptyRow(6, "Aucun run pour l'instant. Ajoutez une source, puis cliquez sur « Lancer maintenant » (sinon le run de la nuit s'en chargera)."));
    for (const run of runs.items || []) {
      const per = el("ul", { class: "plain" });
      for (const sr of run.sources || []) {
        const li = el("li", { text: sourceRunText(sr) });
        for (const e of sr.errors || []) li.append(el("div", { class: "error", text: e }));
        per.append(li);
      }
      if (run.error) per.append(el("li", { class: "error", text: run.error }));
      rbody.append(el("tr", { "data-run": run.id },
        el("th", { scope: "row" }, el("a", { href: "/app/staff/run?id=" + encodeURIComponent(run.id), text: dateText(run.started, true) })),
        td(run.trigger), el("td", {}, badge(run.status)), el("td", {}, per), num(run.matches), deliveryCell(run)));
    }
  }

  // deliveryCell says what a run's digests did: members told, deliveries done and failed.
  function deliveryCell(run) {
    if (!run.digests && !run.deliveries && !run.delivery_failures) return td("—");
    const c = el("td", { text: plural(run.digests || 0, "membre", "membres") + ", " + plural(run.deliveries || 0, "envoi réussi", "envois réussis") });
    if (run.delivery_failures) c.append(el("div", { class: "error", text: plural(run.delivery_failures, "envoi en échec (réessayé au prochain run)", "envois en échec (réessayés au prochain run)") }));
    return c;
  }

  const form = () => $("#source-form");
  const field = (name) => form().elements[name];

  function clearFieldErrors(f) {
    f = f || form();
    for (const p of f.querySelectorAll(".field-error")) p.textContent = "";
    for (const i of f.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  }

  // showFieldErrors puts each error of a 400 beside its field; those of no field go in the status.
  function showFieldErrors(e, status, fm) {
    fm = fm || form();
    clearFieldErrors(fm);
    const errs = (e.problem && e.problem.errors) || [];
    const loose = [];
    for (const f of errs) {
      const name = f.path.split(/[.[]/)[0];
      const p = fm.querySelector(`.field-error[data-for="${name}"]`);
      if (p) {
        p.textContent = (p.textContent ? p.textContent + " ; " : "") + (f.path !== name ? f.path + " : " : "") + f.message;
        const input = fm.elements[name] || p.parentElement.querySelector("input, select, textarea");
        if (input) input.setAttribute("aria-invalid", "true");
      } else loose.push(f.path + " : " + f.message);
    }
    status.textContent = problemText(e) + (loose.length ? " — " + loose.join(" ; ") : "");
    const firstBad = fm.querySelector("[aria-invalid=true]");
    if (firstBad) firstBad.focus();
  }

  function openSourceForm(s) {
    editing = s ? s.id : null;
    clearFieldErrors();
    $("#source-form-h").textContent = s ? t("Modifier la source") + " " + s.id : t("Ajouter une source");
    const f = form();
    f.reset();
    field("id").value = s ? s.id : "";
    field("id").readOnly = !!s;
    field("name").value = s ? s.name || "" : "";
    field("url").value = s ? s.url || "" : "";
    field("format").value = s ? s.format || "auto" : "auto";
    field("language").value = s ? s.language || "" : "";
    field("kind").value = s ? s.kind || "" : "";
    field("schedule").value = s ? s.schedule || "" : "";
    field("enabled").checked = s ? !!s.enabled : true;
    $("#source-test-result").hidden = true;
    $("#source-status").textContent = "";
    f.hidden = false;
    (s ? field("name") : field("id")).focus();
  }

  // sourceFromForm keeps the fields the form does not show (options, clusters, timezone…).
  function sourceFromForm() {
    const base = editing ? Object.assign({}, sources.find((x) => x.id === editing) || {}) : {};
    const s = Object.assign(base, {
      id: field("id").value.trim(), name: field("name").value.trim(), url: field("url").value.trim(),
      format: field("format").value, enabled: field("enabled").checked,
    });
    for (const k of ["language", "kind", "schedule"]) {
      const v = field(k).value.trim();
      if (v) s[k] = v; else delete s[k];
    }
    return s;
  }

  const editSource = (s) => openSourceForm(s);

  async function testSource() {
    const status = $("#source-status");
    const s = sourceFromForm();
    status.textContent = t("Test en cours…");
    clearFieldErrors();
    try {
      const res = await api("POST", "/api/v1/source-tests", s);
      status.textContent = "";
      const summary = $("#source-test-summary");
      if (res.error) {
        summary.textContent = t("Rien n'a pu être lu : ") + res.error;
        summary.className = "error";
      } else {
        summary.textContent = plural(res.records, "enregistrement lu", "enregistrements lus") + " (" +
          plural(res.fetched, "document", "documents") + ")" + (res.records > res.sample.length ? t(" ; les premiers :") : " :");
        summary.className = "";
      }
      const body = clear($("#source-sample tbody"));
      if (!res.sample.length) body.append(emptyRow(5, "Aucun enregistrement."));
      for (const o of res.sample) {
        body.append(el("tr", {}, el("th", { scope: "row" }, P.link(o.title || o.id, o.url)),
          el("td", {}, P.deadlineNode(o.deadline)), td(o.language || "—"), td(o.kind || "—"), td((o.cpv || []).join(", ") || "—")));
      }
      const w = clear($("#source-warnings"));
      for (const m of res.warnings) w.append(el("li", { text: m }));
      $("#source-test-result").hidden = false;
    } catch (e) {
      showFieldErrors(e, status);
    }
  }

  async function saveSource(ev) {
    ev.preventDefault();
    const status = $("#source-status");
    const s = sourceFromForm();
    status.textContent = t("Enregistrement…");
    try {
      if (editing) await api("PUT", "/api/v1/sources/" + encodeURIComponent(editing), s);
      else await api("POST", "/api/v1/sources", s);
      form().hidden = true;
      $("#run-status").textContent = t("Source enregistrée : ") + s.id + ".";
      await Promise.all([loadSourcesAndRuns(), loadAudit(true)]);
    } catch (e) {
      showFieldErrors(e, status);
    }
  }

  async function toggleSource(s) {
    try {
      await api("PUT", "/api/v1/sources/" + encodeURIComponent(s.id), Object.assign({}, s, { enabled: !s.enabled }));
      $("#run-status").textContent = (s.enabled ? t("Source désactivée : ") : t("Source activée : ")) + s.id + ".";
      await Promise.all([loadSourcesAndRuns(), loadAudit(true)]);
    } catch (e) {
      $("#run-status").textContent = problemText(e);
    }
  }

  async function deleteSource(s) {
    try {
      await api("DELETE", "/api/v1/sources/" + encodeURIComponent(s.id));
      $("#run-status").textContent = t("Source supprimée : ") + s.id + t(" (ses opportunités déjà lues restent).");
      if (editing === s.id) form().hidden = true;
      $("#source-history").hidden = true;
      await Promise.all([loadSourcesAndRuns(), loadAudit(true)]);
    } catch (e) {
      $("#run-status").textContent = problemText(e);
    }
  }

  async function showHistory(s) {
    const res = await api("GET", "/api/v1/sources/" + encodeURIComponent(s.id) + "/runs?limit=20");
    $("#source-history-h").textContent = t("Historique de ") + (s.name || s.id);
    const body = clear($("#source-history tbody"));
    if (!res.items.length) body.append(emptyRow(7, "Cette source n'a pas encore été lue. Cliquez sur « Lancer » pour la lire maintenant."));
    for (const h of res.items) {
      const errs = el("td", {});
      for (const e of h.errors || []) errs.append(el("div", { class: "error", text: e }));
      body.append(el("tr", {}, el("th", { scope: "row", text: dateText(h.started, true) }),
        el("td", {}, badge((h.errors && h.errors.length) || h.failed ? "failed" : "ok")),
        num(h.fetched), num(h.new), num(h.updated), num(h.failed), errs));
    }
    $("#source-history").hidden = false;
  }

  // followRun waits for a run to end, showing its progress, then refreshes what it changed.
  async function followRun(run) {
    const status = $("#run-status");
    const page = () => el("a", { href: "/app/staff/run?id=" + encodeURIComponent(run.id), text: t("voir le run") });
    let cur = run;
    while (cur.status === "running") {
      status.replaceChildren(t("Run en cours") + " (" + run.id + ") : " + P.runProgress(cur) + "… ", page());
      await new Promise((r) => setTimeout(r, 1000));
      cur = await api("GET", "/api/v1/runs/" + encodeURIComponent(run.id));
    }
    status.replaceChildren(t("Run terminé : ") + badge(cur.status).textContent + " — " + P.runProgress(cur) + ". ", page());
    await Promise.all([loadSourcesAndRuns(), loadMembers()]);
  }

  async function startAndFollow(path) {
    const btn = $("#run-now");
    btn.disabled = true;
    try {
      const run = await api("POST", path);
      $("#run-status").textContent = t("Run lancé") + " (" + run.id + ")…";
      await followRun(run);
    } catch (e) {
      $("#run-status").textContent = e.status === 409 ? t("Un run est déjà en cours ; réessayez quand il sera fini.") : problemText(e);
    } finally {
      btn.disabled = false;
    }
  }
  const runNow = () => startAndFollow("/api/v1/runs");
  const runSource = (s) => startAndFollow("/api/v1/sources/" + encodeURIComponent(s.id) + "/run");

  // ---- Members -------------------------------------------------------------------------
  let members = [];
  let editingMember = null; // the stored member being edited; null when adding
  const mform = () => $("#member-form");
  const mfield = (name) => mform().elements[name];
  const words = (v) => v.split(/[,\n]/).map((x) => x.trim()).filter(Boolean);

  async function loadMembers() {
    const res = await api("GET", "/app/api/members");
    members = res.items || [];
    const body = clear($("#members tbody"));
    if (!members.length) body.append(emptyRow(4, "Aucun membre. Cliquez sur « Ajouter un membre » ; une clé « membre » s'ajoute ensuite ci-dessous."));
    for (const m of members) {
      body.append(el("tr", { "data-member": m.id },
        el("th", { scope: "row" }, el("a", { href: "/app/member?member=" + encodeURIComponent(m.id), text: m.name || m.id }),
          el("div", { class: "muted", text: m.id })),
        td(m.tier), num(m.tier === "premium" ? m.matches : "—"),
        el("td", {}, el("div", { class: "actions" },
          el("a", { class: "button secondary", href: "/app/staff/member?id=" + encodeURIComponent(m.id), text: t("Fiche") }),
          button("Modifier", "secondary", () => editMember(m.id)),
          armed("Supprimer", "Confirmer la suppression", () => deleteMember(m))))));
    }
    const sel = clear($("#kf-member"));
    if (!members.length) sel.append(el("option", { value: "", text: t("(aucun membre)") }));
    for (const m of members) sel.append(el("option", { value: m.id, text: (m.name || m.id) + " (" + m.id + ")" }));
  }

  // ---- A member's profiles (business lines): the form edits one at a time -------------------
  // The matching fields of the form (skills … min score) are the shown profile's; the others
  // wait in `profiles` until they are shown or the member is saved.
  let profiles = [];
  let shown = 0;
  const MATCHING = ["skills", "clusters", "sectors", "cpv", "regions", "exclude", "languages", "budget", "min_score"];

  function profileFromFields(base) {
    const p = Object.assign({}, base || {});
    p.name = mfield("profile-name").value.trim();
    p.skills = mfield("skills").value.split("\n").map((x) => x.trim()).filter(Boolean);
    p.clusters = words(mfield("clusters").value);
    p.regions = words(mfield("regions").value);
    p.exclude = words(mfield("exclude").value);
    const min = Number(mfield("budget-min").value || 0), max = Number(mfield("budget-max").value || 0);
    if (min || max) p.budget = Object.assign({}, min ? { min } : {}, max ? { max } : {}); else delete p.budget;
    const ms = mfield("min_score").value;
    if (ms !== "") p.min_score = Number(ms); else delete p.min_score;
    for (const k of ["skills", "clusters", "regions", "exclude"]) if (!p[k].length) delete p[k];
    return p;
  }

  function showProfile(i) {
    shown = i;
    const p = profiles[i] || {};
    mfield("profile-name").value = p.name || "";
    // A skill may hold a comma ("tests d'intrusion, audit"): one per line.
    mfield("skills").value = (p.skills || []).join("\n");
    mfield("clusters").value = (p.clusters || []).join(", ");
    mfield("regions").value = (p.regions || []).join(", ");
    mfield("exclude").value = (p.exclude || []).join(", ");
    mfield("budget-min").value = p.budget && p.budget.min ? p.budget.min : "";
    mfield("budget-max").value = p.budget && p.budget.max ? p.budget.max : "";
    mfield("min_score").value = p.min_score || "";
    const sel = clear($("#mf-profile"));
    profiles.forEach((q, k) => sel.append(el("option", { value: String(k), text: q.name || t("Profil") + " " + (k + 1) })));
    sel.value = String(i);
    $("#mf-profile-remove").disabled = profiles.length < 2;
  }

  const stashProfile = () => { profiles[shown] = profileFromFields(profiles[shown]); };

  function addProfile() {
    stashProfile();
    profiles.push({ name: t("Nouveau profil"), fresh: true });
    showProfile(profiles.length - 1);
    mfield("profile-name").select();
    mfield("profile-name").focus();
  }

  function removeProfile() {
    if (profiles.length < 2) return;
    profiles.splice(shown, 1);
    showProfile(Math.max(0, shown - 1));
  }

  // profilesToSend gives each new profile an id from its name, unique in the member (a match
  // names it, so it never changes once saved), and each profile a name.
  function profilesToSend(memberName) {
    const taken = new Set(profiles.filter((p) => !p.fresh && p.id).map((p) => p.id));
    return profiles.map((p, k) => {
      const q = Object.assign({}, p);
      if (!q.name) q.name = k === 0 && memberName ? memberName : t("Profil") + " " + (k + 1);
      if (q.fresh || !q.id) {
        const base = q.name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "profil";
        let id = base;
        for (let n = 2; taken.has(id); n++) id = base + "-" + n;
        taken.add(id);
        q.id = id;
      }
      delete q.fresh;
      return q;
    });
  }

  // profileErrors puts the errors of the shown profile beside its fields and names the
  // profile of the others.
  function profileErrors(e) {
    const errs = (e.problem && e.problem.errors) || [];
    for (const f of errs) {
      const m = f.path.match(/^profiles\[(\d+)\](?:\.(.*))?$/);
      if (!m) continue;
      const k = Number(m[1]);
      if (k === shown) f.path = !m[2] || /^(id|name)$/.test(m[2]) ? "profile-name" : m[2];
      else f.message = "« " + ((profiles[k] && profiles[k].name) || k + 1) + " » : " + f.message;
    }
    return e;
  }

  function openMemberForm(m) {
    editingMember = m;
    const f = mform();
    f.reset();
    clearFieldErrors(f);
    $("#member-form-h").textContent = m ? t("Modifier le membre") + " " + m.id : t("Ajouter un membre");
    mfield("id").value = m ? m.id : "";
    mfield("id").readOnly = !!m;
    if (m) {
      mfield("name").value = m.name || "";
      mfield("tier").value = m.tier || "premium";
      mfield("organisation").value = m.organisation || "sme";
      mfield("contacts").value = (m.contacts || []).map((c) => (c.name ? c.name + " <" + c.email + ">" : c.email)).join("\n");
      mfield("frequency").value = (m.notify && m.notify.frequency) || "daily";
    }
    const top = {};
    if (m) for (const k of MATCHING) if (m[k] !== undefined) top[k] = m[k];
    profiles = m && m.profiles && m.profiles.length ? m.profiles.map((p) => Object.assign({}, p))
      : [Object.assign({ id: "main", name: m ? m.name : "" }, top)]; // "main", as for a member written without profiles
    showProfile(0);
    $("#member-preview-result").hidden = true;
    $("#member-status").textContent = "";
    f.hidden = false;
    (m ? mfield("skills") : mfield("id")).focus();
  }

  async function editMember(id) {
    try {
      openMemberForm(await api("GET", "/api/v1/members/" + encodeURIComponent(id)));
    } catch (e) {
      $("#member-list-status").textContent = problemText(e);
    }
  }

  // memberFromForm keeps what the form does not show (sectors, languages, channels…). The
  // matching fields go in `profiles` alone: the server makes the top level the first.
  function memberFromForm() {
    const m = Object.assign({}, editingMember || {});
    delete m.created; delete m.updated;
    for (const k of MATCHING) delete m[k];
    Object.assign(m, { id: mfield("id").value.trim(), name: mfield("name").value.trim(), tier: mfield("tier").value,
      organisation: mfield("organisation").value });
    stashProfile();
    m.profiles = profilesToSend(m.name);
    m.contacts = mfield("contacts").value.split("\n").map((x) => x.trim()).filter(Boolean).map((line) => {
      const mm = line.match(/^(.*?)\s*<([^>]+)>$/);
      return mm ? (mm[1] ? { name: mm[1], email: mm[2] } : { email: mm[2] }) : { email: line };
    });
    m.notify = Object.assign({}, m.notify || {}, { frequency: mfield("frequency").value });
    if (!m.contacts.length) delete m.contacts;
    return m;
  }

  async function previewMember() {
    const status = $("#member-status");
    status.textContent = t("Prévisualisation…");
    clearFieldErrors(mform());
    try {
      const res = await api("POST", "/api/v1/member-previews", memberFromForm());
      status.textContent = "";
      $("#member-preview-summary").textContent = res.total === 0
        ? t("Aucune opportunité ouverte ne correspondrait à ce profil. Ajoutez des compétences ou des clusters.")
        : plural(res.total, "opportunité ouverte correspondrait", "opportunités ouvertes correspondraient") +
          (res.total > res.items.length ? t(" ; les meilleures :") : " :");
      const list = clear($("#member-preview-list"));
      for (const it of res.items) {
        const reasons = el("ul", { class: "reasons" });
        for (const c of (it.explanation && it.explanation.contributions) || []) reasons.append(el("li", { text: c.evidence }));
        list.append(el("li", { class: "hit", "data-opportunity": it.opportunity },
          el("h3", {}, el("span", { class: "score", text: String(Math.round(it.score)) }), " ", P.link(it.title || it.opportunity, it.url)),
          el("p", { class: "meta" }, P.deadlineNode(it.deadline)), reasons));
      }
      $("#member-preview-result").hidden = false;
    } catch (e) {
      showFieldErrors(profileErrors(e), status, mform());
    }
  }

  async function saveMember(ev) {
    ev.preventDefault();
    const status = $("#member-status");
    const m = memberFromForm();
    status.textContent = t("Enregistrement…");
    try {
      if (editingMember) await api("PUT", "/api/v1/members/" + encodeURIComponent(editingMember.id), m);
      else await api("POST", "/api/v1/members", m);
      mform().hidden = true;
      $("#member-list-status").textContent = t("Membre enregistré : ") + m.id + ".";
      await Promise.all([loadMembers(), loadAudit(true)]);
    } catch (e) {
      showFieldErrors(profileErrors(e), status, mform());
    }
  }

  // ---- Member import: parsed here, sent one record at a time, reported record by record ----
  const COLUMNS = {
    id: "id", identifiant: "id", name: "name", nom: "name", tier: "tier", offre: "tier",
    skills: "skills", "compétences": "skills", competences: "skills", clusters: "clusters",
    regions: "regions", "régions": "regions", exclude: "exclude", exclusions: "exclude",
    email: "email", "e-mail": "email", courriel: "email", organisation: "organisation", organization: "organisation",
  };
  const LISTS = ["skills", "clusters", "regions", "exclude"];

  // csvRows reads RFC 4180 CSV (quoted fields, doubled quotes), with , or ; as separator.
  function csvRows(text) {
    text = text.replace(/^\uFEFF/, "");
    const first = text.split(/\r?\n/, 1)[0];
    const sep = (first.match(/;/g) || []).length > (first.match(/,/g) || []).length ? ";" : ",";
    const rows = [];
    let row = [], cell = "", quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
      } else if (c === '"') quoted = true;
      else if (c === sep) { row.push(cell); cell = ""; }
      else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i++;
        row.push(cell); cell = "";
        if (row.some((x) => x.trim() !== "")) rows.push(row);
        row = [];
      } else cell += c;
    }
    row.push(cell);
    if (row.some((x) => x.trim() !== "")) rows.push(row);
    return { rows, listSep: sep === ";" ? "|" : ";" };
  }

  function membersFromCSV(text) {
    const { rows, listSep } = csvRows(text);
    if (!rows.length) throw new Error(t("le fichier est vide"));
    const head = rows[0].map((h) => COLUMNS[h.trim().toLowerCase()] || null);
    const unknown = rows[0].filter((h, i) => !head[i]);
    if (unknown.length) throw new Error(t("colonnes inconnues : ") + unknown.join(", "));
    return rows.slice(1).map((r) => {
      const m = {};
      head.forEach((k, i) => {
        const v = (r[i] || "").trim();
        if (!v) return;
        if (k === "email") m.contacts = [{ email: v }];
        else if (LISTS.includes(k)) m[k] = v.split(listSep).map((x) => x.trim()).filter(Boolean);
        else m[k] = v;
      });
      return m;
    });
  }

  async function importMembers(ev) {
    ev.preventDefault();
    const file = $("#mi-file").files[0];
    const summary = $("#member-import-summary");
    const list = clear($("#member-import-list"));
    $("#member-import-report").hidden = false;
    if (!file) { summary.textContent = t("Choisissez d'abord un fichier."); return; }
    let records;
    try {
      const text = await file.text();
      if (/\.csv$/i.test(file.name)) records = membersFromCSV(text);
      else if (/\.jsonl$/i.test(file.name)) records = text.split(/\r?\n/).filter((l) => l.trim()).map((l) => JSON.parse(l));
      else { records = JSON.parse(text); if (!Array.isArray(records)) records = [records]; }
    } catch (e) {
      summary.textContent = file.name + " : " + t("illisible — ") + e.message;
      return;
    }
    let ok = 0;
    for (const [i, m] of records.entries()) {
      const where = t("enregistrement ") + (i + 1) + (m && m.id ? " (" + m.id + ")" : "");
      try {
        await api("POST", "/api/v1/members", m);
        ok++;
        list.append(el("li", { class: "added", text: "✓ " + where + t(" : importé") }));
      } catch (e) {
        const errs = ((e.problem && e.problem.errors) || []).map((f) => f.path + " : " + f.message);
        list.append(el("li", { class: "error", text: "✗ " + where + " : " + problemText(e) + (errs.length ? " — " + errs.join(" ; ") : "") }));
      }
    }
    summary.textContent = file.name + " : " + ok + " / " + records.length + " " + t("importés");
    await Promise.all([loadMembers(), loadAudit(true)]);
  }

  async function deleteMember(m) {
    try {
      await api("DELETE", "/api/v1/members/" + encodeURIComponent(m.id));
      if (editingMember && editingMember.id === m.id) mform().hidden = true;
      $("#member-list-status").textContent = t("Membre supprimé : ") + m.id + ".";
      await Promise.all([loadMembers(), loadKeys(), loadAudit(true)]);
    } catch (e) {
      $("#member-list-status").textContent = problemText(e);
    }
  }

  // ---- Keys ----------------------------------------------------------------------------
  async function loadKeys() {
    const res = await api("GET", "/api/v1/keys");
    const body = clear($("#keys tbody"));
    if (!res.items.length) body.append(emptyRow(6, "Aucune clé."));
    for (const k of res.items) {
      const yours = k.id === me.key;
      const who = el("th", { scope: "row" }, el("code", { text: k.id }));
      if (yours) who.append(" ", el("span", { class: "you", text: t("(votre clé)") }));
      body.append(el("tr", { "data-key": k.id }, who,
        td(k.role === "staff" ? t("équipe") : t("membre")), td(k.member || "—"), td(dateText(k.created, true)),
        td(k.last_used ? dateText(k.last_used, true) : t("jamais")),
        el("td", {}, armed("Révoquer", yours ? "Confirmer (votre propre clé)" : "Confirmer la révocation", () => revokeKey(k, yours)))));
    }
  }

  function keyRoleChanged() {
    const staff = $("#kf-role").value === "staff";
    $("#kf-member").disabled = staff;
  }

  async function createKey(ev) {
    ev.preventDefault();
    const role = $("#kf-role").value;
    const body = { role };
    if (role === "member") body.member = $("#kf-member").value;
    $("#key-status").textContent = "";
    try {
      const k = await api("POST", "/api/v1/keys", body);
      $("#key-secret").textContent = k.key;
      $("#key-created").hidden = false;
      $("#key-status").textContent = t("Clé créée : ") + k.id + ".";
      await Promise.all([loadKeys(), loadAudit(true)]);
    } catch (e) {
      const errs = ((e.problem && e.problem.errors) || []).map((f) => f.path + " : " + f.message);
      $("#key-status").textContent = problemText(e) + (errs.length ? " — " + errs.join(" ; ") : "");
    }
  }

  async function revokeKey(k, yours) {
    try {
      await api("DELETE", "/api/v1/keys/" + encodeURIComponent(k.id));
      if (yours) { P.signOut(); return; }
      $("#key-created").hidden = true;
      $("#key-status").textContent = t("Clé révoquée : ") + k.id + ".";
      await Promise.all([loadKeys(), loadAudit(true)]);
    } catch (e) {
      $("#key-status").textContent = problemText(e);
    }
  }

  // ---- Rules ---------------------------------------------------------------------------
  let currentRules = null;
  // The numbers staff tune most, as a form; the cluster bundles, synonyms and exclusions have
  // theirs below. The JSON view shows (and sends) the whole rules, the form writes into it.
  const RULE_FIELDS = [
    ["weights.text", "Poids : texte"], ["weights.cluster", "Poids : cluster"], ["weights.cpv", "Poids : CPV"],
    ["weights.sector", "Poids : secteur"], ["weights.region", "Poids : région"], ["weights.budget", "Poids : budget"],
    ["weights.deadline", "Poids : date limite"], ["weights.freshness", "Poids : fraîcheur"],
    ["fields.title", "Champ : titre"], ["fields.description", "Champ : description"],
    ["thresholds.min_score", "Seuil : score minimum"], ["thresholds.min_days_to_deadline", "Seuil : jours avant la date limite"],
    ["max_per_digest", "Maximum par résumé"],
  ];
  // The six clusters, in the order staff know them; a bundle the rules name otherwise is shown too.
  const CLUSTERS = [
    ["web", "Web"], ["iot", "Internet des objets"], ["datacenters", "Centres de données"],
    ["security", "Sécurité"], ["transmedia", "Transmédia"], ["seriousgames", "Serious games"],
  ];
  const BUNDLE_LANGS = [["fr", "Mots-clés en français"], ["en", "Mots-clés en anglais"], ["nl", "Mots-clés en néerlandais"]];
  const getPath = (o, path) => path.split(".").reduce((x, k) => (x == null ? undefined : x[k]), o);
  function setPath(o, path, v) {
    const ks = path.split(".");
    let x = o;
    for (const k of ks.slice(0, -1)) x = x[k] = x[k] && typeof x[k] === "object" ? x[k] : {};
    x[ks[ks.length - 1]] = v;
  }
  const lines = (v) => v.split("\n").map((x) => x.trim()).filter(Boolean);
  const commas = (v) => v.split(",").map((x) => x.trim()).filter(Boolean);
  // errorSlot is where the error of the field with this path shows.
  const errorSlot = (path) => el("p", { class: "field-error", "data-error-for": path });

  function buildRulesForm(r) {
    const box = clear($("#rules-fields"));
    for (const [path, label] of RULE_FIELDS) {
      const id = "rf-" + path.replace(/[._]/g, "-");
      const input = el("input", { id, type: "number", step: "any", "data-path": path, value: String(getPath(r, path) ?? "") });
      input.addEventListener("input", syncRulesForm);
      box.append(el("label", { for: id }, t(label), input, errorSlot(path)));
    }
    const bundles = clear($("#bundles-fields"));
    const names = CLUSTERS.map((c) => c[0]);
    const all = CLUSTERS.concat(Object.keys(r.clusters || {}).filter((c) => !names.includes(c)).sort().map((c) => [c, c]));
    for (const [c, label] of all) {
      const b = (r.clusters || {})[c] || {};
      const kw = b.keywords || {};
      const n = Object.values(kw).reduce((s, l) => s + (l || []).length, 0);
      const grid = el("div", { class: "grid" });
      for (const [lang, langLabel] of BUNDLE_LANGS) {
        const id = "rb-" + c + "-" + lang;
        const path = "clusters." + c + ".keywords." + lang;
        const ta = el("textarea", { id, rows: "5", spellcheck: "false", "data-path": path, "data-bundle": c, "data-lang": lang });
        ta.value = (kw[lang] || []).join("\n");
        ta.addEventListener("input", syncRulesForm);
        grid.append(el("label", { for: id, text: t(langLabel) }), el("div", {}, ta, errorSlot(path)));
      }
      const cpvID = "rb-" + c + "-cpv";
      const cpvPath = "clusters." + c + ".cpv";
      const cpv = el("input", { id: cpvID, spellcheck: "false", "data-path": cpvPath, "data-bundle": c, "data-lang": "cpv",
        placeholder: "ex. 72, 48730000", value: (b.cpv || []).join(", ") });
      cpv.addEventListener("input", syncRulesForm);
      grid.append(el("label", { for: cpvID, text: t("Préfixes CPV") }), el("div", {}, cpv, errorSlot(cpvPath)));
      bundles.append(el("details", { class: "bundle", "data-cluster": c },
        el("summary", {}, el("strong", { text: t(label) }), " ",
          el("span", { class: "muted", text: "(" + c + ") · " + plural(n, "mot-clé", "mots-clés") + ", " + plural((b.cpv || []).length, "préfixe CPV", "préfixes CPV") })),
        errorSlot("clusters." + c), grid));
    }
    $("#rules-synonyms").value = (r.synonyms || []).map((g) => g.join(", ")).join("\n");
    $("#rules-exclusions").value = (r.exclusions || []).join("\n");
    $("#rules-comment").value = "";
  }

  // syncRulesForm writes the form into the JSON, which stays what is sent: numbers, each
  // cluster's keywords per language and CPV prefixes, synonym groups, exclusions. What the
  // form does not show (other languages, sectors) is left as the JSON has it.
  function syncRulesForm() {
    let r;
    try { r = JSON.parse($("#rules-json").value); } catch (e) { $("#rules-status").textContent = t("JSON invalide : ") + e.message; return; }
    for (const input of $("#rules-fields").querySelectorAll("input[data-path]")) {
      if (input.value !== "") setPath(r, input.dataset.path, Number(input.value));
    }
    for (const f of $("#bundles-fields").querySelectorAll("[data-bundle]")) {
      const c = f.dataset.bundle, lang = f.dataset.lang;
      const had = r.clusters && r.clusters[c];
      const v = lang === "cpv" ? commas(f.value) : lines(f.value);
      if (!had && !v.length) continue; // a cluster the rules leave out stays out until given words
      r.clusters = r.clusters || {};
      const b = r.clusters[c] = r.clusters[c] || { keywords: {}, cpv: [] };
      if (lang === "cpv") b.cpv = v;
      else {
        b.keywords = b.keywords || {};
        if (v.length) b.keywords[lang] = v; else delete b.keywords[lang];
      }
    }
    const syn = lines($("#rules-synonyms").value).map(commas);
    if (syn.length) r.synonyms = syn; else delete r.synonyms;
    const exc = lines($("#rules-exclusions").value);
    if (exc.length) r.exclusions = exc; else delete r.exclusions;
    const c = $("#rules-comment").value.trim();
    if (c) r.comment = c; else delete r.comment; // a new version does not inherit the old one's comment
    $("#rules-json").value = JSON.stringify(r, null, 2);
  }

  // jsonEdited rebuilds the form from JSON typed by hand, so that the two never disagree.
  function jsonEdited() {
    let r;
    try { r = JSON.parse($("#rules-json").value); } catch (e) { $("#rules-status").textContent = t("JSON invalide : ") + e.message; return; }
    const comment = $("#rules-comment").value;
    buildRulesForm(r);
    $("#rules-comment").value = comment;
    $("#rules-status").textContent = "";
  }

  // showRuleFieldErrors puts each error of a 400 beside the form field of its path: the
  // longest path of a field that starts the error's (clusters.web.keywords.fr[2] goes to
  // the French keywords of web); the list under the buttons keeps them all.
  function showRuleFieldErrors(errs) {
    for (const p of document.querySelectorAll("#rules-section [data-error-for]")) p.textContent = "";
    for (const i of document.querySelectorAll("#rules-section [aria-invalid]")) i.removeAttribute("aria-invalid");
    let first = null;
    for (const f of errs) {
      const bare = f.path.replace(/\[\d+\]/g, "");
      const slots = [...document.querySelectorAll("#rules-section [data-error-for]")]
        .filter((p) => bare === p.dataset.errorFor || bare.startsWith(p.dataset.errorFor + "."))
        .sort((a, b) => b.dataset.errorFor.length - a.dataset.errorFor.length);
      const slot = slots[0];
      if (!slot) continue;
      slot.textContent = (slot.textContent ? slot.textContent + " ; " : "") + f.path + " : " + f.message;
      const input = document.querySelector(`#rules-section [data-path="${slot.dataset.errorFor}"]`);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        first = first || input;
      }
      const d = slot.closest("details");
      if (d) d.open = true;
    }
    if (first) first.focus();
  }

  // flatten turns rules into path → value, for the diff of two versions.
  function flatten(o, prefix, out) {
    out = out || {};
    for (const [k, v] of Object.entries(o || {})) {
      const p = prefix ? prefix + "." + k : k;
      if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, p, out);
      else out[p] = v;
    }
    return out;
  }

  async function diffVersions(ev) {
    ev.preventDefault();
    const a = $("#rd-a").value, b = $("#rd-b").value;
    try {
      const [ra, rb] = await Promise.all([api("GET", "/api/v1/rules/versions/" + a), api("GET", "/api/v1/rules/versions/" + b)]);
      const fa = flatten(ra), fb = flatten(rb);
      const keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].filter((k) => k !== "version" && k !== "created").sort();
      const list = clear($("#rules-diff-list"));
      let n = 0;
      for (const k of keys) {
        if (JSON.stringify(fa[k]) === JSON.stringify(fb[k])) continue;
        n++;
        list.append(el("li", {}, el("strong", { text: k }), " : ", el("code", { text: short(fa[k]) }), " → ", el("code", { text: short(fb[k]) })));
      }
      $("#rules-diff-summary").textContent = n === 0 ? t("Les deux versions sont identiques.")
        : "v" + a + " → v" + b + " : " + plural(n, "différence", "différences");
      $("#rules-diff").hidden = false;
    } catch (e) {
      $("#rules-status").textContent = problemText(e);
    }
  }

  async function loadRules() {
    const [r, versions] = await Promise.all([api("GET", "/api/v1/rules"), api("GET", "/api/v1/rules/versions")]);
    currentRules = r;
    $("#rules-version").textContent = t("Version en vigueur : ") + r.version +
      (r.created ? " · " + dateText(r.created, true) : "") + (r.comment ? " · « " + r.comment + " »" : "");
    $("#rules-json").value = JSON.stringify(r, null, 2);
    buildRulesForm(r);
    const body = clear($("#rules-versions tbody"));
    const items = (versions.items || []).slice().sort((a, b) => b.version - a.version);
    if (!items.length) body.append(emptyRow(5, "Les règles par défaut sont en vigueur ; chaque enregistrement en fera une version."));
    for (const v of items) {
      const acts = el("div", { class: "actions" });
      if (v.version !== r.version) acts.append(armed("Revenir à cette version", "Confirmer le retour", () => rollback(v.version), { "data-rollback": String(v.version) }));
      else acts.append(el("span", { class: "muted", text: t("en vigueur") }));
      body.append(el("tr", { "data-version": String(v.version) }, el("th", { scope: "row", text: "v" + v.version }),
        td(dateText(v.created, true)), td(v.author || ""), td(v.comment || ""), el("td", {}, acts)));
    }
    $("#rules-diff-form").hidden = items.length < 2;
    for (const [sel, pick] of [["#rd-a", 1], ["#rd-b", 0]]) {
      const s = clear($(sel));
      for (const v of items) s.append(el("option", { value: String(v.version), text: "v" + v.version }));
      if (items[pick]) s.value = String(items[pick].version);
    }
  }

  async function rollback(n) {
    try {
      const old = await api("GET", "/api/v1/rules/versions/" + n);
      delete old.version; delete old.created;
      old.comment = t("retour à la version ") + n;
      const saved = await api("PUT", "/api/v1/rules", old);
      await Promise.all([loadRules(), loadAudit(true)]);
      $("#rules-status").textContent = t("Version ") + saved.version + t(" enregistrée (retour à la version ") + n + ").";
    } catch (e) {
      showRulesError(e);
    }
  }

  // rulesBody reads the textarea; a JSON mistake is reported here rather than sent.
  function rulesBody() {
    clear($("#rules-errors"));
    showRuleFieldErrors([]);
    try {
      const r = JSON.parse($("#rules-json").value);
      delete r.version; delete r.created; // the server numbers and dates versions
      return JSON.stringify(r);
    } catch (e) {
      $("#rules-status").textContent = t("JSON invalide : ") + e.message;
      return null;
    }
  }

  function showRulesError(e) {
    $("#rules-status").textContent = problemText(e);
    const ul = clear($("#rules-errors"));
    for (const f of (e.problem && e.problem.errors) || []) {
      ul.append(el("li", {}, el("code", { text: f.path }), " : " + f.message));
    }
    showRuleFieldErrors((e.problem && e.problem.errors) || []);
  }

  async function previewRules() {
    const body = rulesBody();
    if (body === null) return;
    $("#rules-status").textContent = t("Prévisualisation…");
    try {
      const rep = await api("POST", "/api/v1/rules/preview", body);
      $("#rules-status").textContent = "";
      $("#preview-summary").textContent = t("Par rapport à la version ") + rep.current_version + t(", sur ") +
        plural(rep.opportunities, "opportunité ouverte", "opportunités ouvertes") + " : " +
        rep.added + " " + t("ajoutés") + ", " + rep.removed + " " + t("retirés") + ", " + rep.moved + " " + t("déplacés") + ".";
      // Members' verdicts replayed under both rules: what a change keeps of what they judged.
      const fb = rep.feedback_before, fa = rep.feedback_after;
      if (fb && fa && fb.relevant + fb.not_relevant > 0) {
        $("#preview-summary").append(el("br"), t("Retours des membres : ") + fb.kept_relevant + " → " + fa.kept_relevant +
          t(" jugés pertinents gardés, ") + fb.kept_not_relevant + " → " + fa.kept_not_relevant + t(" jugés non pertinents gardés."));
      }
      const tbody = clear($("#preview-members tbody"));
      if (!(rep.members || []).length) tbody.append(emptyRow(7, "Aucun membre premium n'est touché."));
      const titles = rep.titles || {};
      const moveItem = (mv, cls, score) => el("li", { class: cls, text: (cls === "added" ? "+ " : "− ") + (titles[mv.opportunity] || mv.opportunity) + " (" + Math.round(score) + ")" });
      for (const m of rep.members || []) {
        const what = el("ul", { class: "plain" });
        for (const mv of m.added || []) what.append(moveItem(mv, "added", mv.after));
        for (const mv of m.removed || []) what.append(moveItem(mv, "removed", mv.before));
        const n = (m.added || []).length + (m.removed || []).length;
        const cell = n ? el("td", {}, el("details", {}, el("summary", { text: plural(n, "opportunité", "opportunités") }), what)) : td("—");
        const known = members.find((x) => x.id === m.member);
        tbody.append(el("tr", { "data-member": m.member }, el("th", { scope: "row" }, (known && known.name) || m.member, el("div", { class: "muted", text: m.member })),
          num(m.before), num(m.after), num((m.added || []).length), num((m.removed || []).length), num((m.moved || []).length), cell));
      }
      $("#preview-result").hidden = false;
    } catch (e) {
      showRulesError(e);
    }
  }

  async function saveRules() {
    const body = rulesBody();
    if (body === null) return;
    $("#rules-status").textContent = t("Enregistrement…");
    try {
      const saved = await api("PUT", "/api/v1/rules", body);
      await Promise.all([loadRules(), loadAudit(true)]);
      $("#preview-result").hidden = true;
      $("#rules-status").textContent = t("Version ") + saved.version + t(" enregistrée.");
    } catch (e) {
      showRulesError(e);
    }
  }

  // ---- Feedback ------------------------------------------------------------------------
  async function loadFeedback() {
    const counts = await api("GET", "/api/v1/feedback");
    const body = clear($("#feedback tbody"));
    const versions = Object.keys(counts || {}).map(Number).sort((a, b) => b - a);
    if (!versions.length) body.append(emptyRow(5, "Aucun retour pour l'instant. Les membres premium jugent leurs opportunités depuis leur page ; leurs avis apparaîtront ici, par version des règles."));
    for (const v of versions) {
      const c = counts[v] || {};
      body.append(el("tr", {}, el("th", { scope: "row", text: "v" + v }),
        num(c.relevant || 0), num(c.not_relevant || 0), num(c.saved || 0), num(c.dismissed || 0)));
    }
  }

  // ---- Audit log -----------------------------------------------------------------------
  const ACTIONS = {
    "source.create": "source ajoutée", "source.update": "source modifiée", "source.delete": "source supprimée",
    "member.create": "membre ajouté", "member.update": "membre modifié", "member.delete": "membre supprimé",
    "key.create": "clé créée", "key.revoke": "clé révoquée", "rules.update": "règles modifiées",
  };
  const short = (v) => {
    if (v === undefined) return "∅";
    const s = typeof v === "string" ? v : JSON.stringify(v);
    return s.length > 120 ? s.slice(0, 117) + "…" : s;
  };
  let auditCursor = "";
  async function loadAudit(reset) {
    if (reset) auditCursor = "";
    const q = new URLSearchParams({ limit: "20" });
    if (auditCursor) q.set("cursor", auditCursor);
    const res = await api("GET", "/api/v1/audit?" + q);
    const body = $("#audit tbody");
    if (!auditCursor) clear(body);
    if (!auditCursor && !res.items.length) body.append(emptyRow(5, "Aucune modification pour l'instant. Chaque changement de source, de membre, de clé ou de règles apparaîtra ici, avec qui l'a fait et quand."));
    for (const a of res.items) {
      const changes = el("ul", { class: "changes" });
      for (const c of a.changes || []) {
        changes.append(el("li", {}, el("strong", { text: c.field }), " : ", el("code", { text: short(c.before) }), " → ", el("code", { text: short(c.after) })));
      }
      body.append(el("tr", { "data-seq": String(a.seq) }, el("th", { scope: "row", text: dateText(a.at, true) }),
        el("td", {}, a.actor_name ? el("span", { text: a.actor_name }) : el("code", { text: a.actor }), (a.actor === me.key || (me.person && a.actor === me.person.staff)) ? el("span", { class: "you", text: " " + t("(vous)") }) : null),
        td(t(ACTIONS[a.action] || a.action)), td(a.target), el("td", {}, changes)));
    }
    auditCursor = res.next_cursor || "";
    $("#audit-more").hidden = !auditCursor;
  }

  P.initPage("staff", async (who) => {
    me = who;
    $("#run-now").addEventListener("click", runNow);
    $("#source-new").addEventListener("click", () => openSourceForm(null));
    $("#source-test").addEventListener("click", testSource);
    $("#source-cancel").addEventListener("click", () => { form().hidden = true; });
    form().addEventListener("submit", saveSource);
    $("#key-form").addEventListener("submit", createKey);
    $("#member-new").addEventListener("click", () => openMemberForm(null));
    $("#member-preview").addEventListener("click", previewMember);
    $("#mf-profile").addEventListener("change", (ev) => { stashProfile(); showProfile(Number(ev.target.value)); });
    $("#mf-profile-add").addEventListener("click", addProfile);
    $("#mf-profile-remove").addEventListener("click", removeProfile);
    mfield("profile-name").addEventListener("input", (ev) => {
      const o = $("#mf-profile").options[shown];
      if (o) o.textContent = ev.target.value.trim() || t("Profil") + " " + (shown + 1);
    });
    $("#member-cancel").addEventListener("click", () => { mform().hidden = true; });
    mform().addEventListener("submit", saveMember);
    $("#member-import").addEventListener("submit", importMembers);
    $("#kf-role").addEventListener("change", keyRoleChanged);
    $("#audit-more").addEventListener("click", () => loadAudit(false).catch((e) => flash(problemText(e))));
    $("#rules-preview").addEventListener("click", previewRules);
    $("#rules-save").addEventListener("click", saveRules);
    $("#rules-comment").addEventListener("input", syncRulesForm);
    $("#rules-synonyms").addEventListener("input", syncRulesForm);
    $("#rules-exclusions").addEventListener("input", syncRulesForm);
    $("#rules-json").addEventListener("change", jsonEdited);
    $("#rules-diff-form").addEventListener("submit", diffVersions);
    const results = await Promise.allSettled([loadSourcesAndRuns(), loadMembers(), loadKeys(), loadRules(), loadFeedback(), loadAudit(true)]);
    const failed = results.filter((r) => r.status === "rejected");
    if (failed.length) flash(problemText(failed[0].reason));
  });
})();
