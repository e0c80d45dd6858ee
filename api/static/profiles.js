// Profiles page: a member keeps one named profile per business line (skills, clusters,
// regions, exclusions, minimum score). All are shown at once and saved together with
// PATCH /api/v1/members/{id} {profiles}, as the staff console does; the API's field errors
// (paths like "profiles[1].skills") show beside their field.
"use strict";

(() => {
  const { api, $, el, clear, problemText, flash, t } = P;
  const CLUSTERS = [["web", "Web"], ["iot", "Internet des objets"], ["datacenters", "Centres de données"],
    ["security", "Sécurité"], ["transmedia", "Transmédia"], ["seriousgames", "Serious games"]];
  let member = "";
  let profiles = [];

  const words = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);
  const slot = (k, name) => el("p", { class: "field-error", "data-for": "profiles[" + k + "]." + name });

  function card(p, k) {
    const id = (name) => "pf-" + k + "-" + name;
    const input = (name, label, attrs, value) => [
      el("label", { for: id(name), text: label }),
      el(attrs.rows ? "textarea" : "input", Object.assign({ id: id(name), name }, attrs, { value: value })),
      slot(k, name)];
    const clusters = el("fieldset", {}, el("legend", { text: t("Clusters") }),
      ...CLUSTERS.map(([v, label]) => el("label", { class: "choice" },
        el("input", Object.assign({ type: "checkbox", name: "clusters", value: v }, (p.clusters || []).includes(v) ? { checked: "" } : {})),
        " ", t(label))), slot(k, "clusters"));
    const remove = el("button", { type: "button", class: "secondary", "data-remove": String(k), text: t("Retirer ce profil") });
    remove.disabled = profiles.length < 2;
    remove.addEventListener("click", () => { stash(); profiles.splice(k, 1); render(); });
    const f = el("fieldset", { class: "profile", "data-index": String(k) },
      el("legend", { text: p.name || t("Profil") + " " + (k + 1) }),
      ...input("name", t("Nom du profil"), { placeholder: t("ex. Sécurité, Jeux sérieux") }, p.name || ""),
      ...input("skills", t("Compétences (une par ligne)"), { rows: "4", spellcheck: "false" }, (p.skills || []).join("\n")),
      clusters,
      ...input("regions", t("Régions (NUTS)"), { spellcheck: "false", placeholder: t("ex. BE3, BE1") }, (p.regions || []).join(", ")),
      ...input("exclude", t("Exclusions"), { placeholder: t("mots qui écartent une opportunité, séparés par des virgules") }, (p.exclude || []).join(", ")),
      ...input("min_score", t("Score minimum"), { type: "number", min: "0", max: "100", step: "1", inputmode: "numeric" }, p.min_score ? String(p.min_score) : ""),
      el("div", { class: "row" }, remove));
    const legend = f.querySelector("legend");
    f.querySelector('[name="name"]').addEventListener("input", (ev) => { legend.textContent = ev.target.value.trim() || t("Profil") + " " + (k + 1); });
    // A textarea's value is not an attribute: set it as a property.
    f.querySelector("textarea").value = (p.skills || []).join("\n");
    return f;
  }

  function render() {
    const box = clear($("#profiles"));
    profiles.forEach((p, k) => box.append(card(p, k)));
  }

  // stash reads the cards back into `profiles`, keeping what they do not show (id, sectors, budget…).
  function stash() {
    for (const f of document.querySelectorAll("#profiles fieldset.profile")) {
      const k = Number(f.dataset.index);
      const p = Object.assign({}, profiles[k]);
      const v = (name) => f.querySelector(`[name="${name}"]`).value;
      p.name = v("name").trim();
      p.skills = v("skills").split("\n").map((x) => x.trim()).filter(Boolean);
      p.clusters = [...f.querySelectorAll('input[name="clusters"]:checked')].map((i) => i.value);
      p.regions = words(v("regions"));
      p.exclude = words(v("exclude"));
      const ms = v("min_score").trim();
      if (ms !== "") p.min_score = Number(ms); else delete p.min_score;
      for (const key of ["skills", "clusters", "regions", "exclude"]) if (!p[key].length) delete p[key];
      profiles[k] = p;
    }
  }

  // toSend gives each new profile an id from its name, unique in the member: a match names
  // its profile by id, so an id never changes once saved (renaming changes the name only).
  function toSend() {
    const taken = new Set(profiles.filter((p) => !p.fresh && p.id).map((p) => p.id));
    return profiles.map((p, k) => {
      const q = Object.assign({}, p);
      if (!q.name) q.name = t("Profil") + " " + (k + 1);
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

  // showErrors puts "profiles[k].field[i]" beside field of card k; id and name errors go
  // beside the name; what has no slot goes in the status line.
  function showErrors(e, status) {
    const form = $("#profiles-form");
    for (const p of form.querySelectorAll(".field-error")) p.textContent = "";
    for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
    const loose = [];
    for (const f of (e && e.problem && e.problem.errors) || []) {
      const m = f.path.match(/^profiles\[(\d+)\](?:\.([a-z_]+))?/);
      const field = m ? (!m[2] || m[2] === "id" ? "name" : m[2]) : "";
      const p = m ? form.querySelector(`.field-error[data-for="profiles[${m[1]}].${field}"]`) : form.querySelector(`.field-error[data-for="${f.path}"]`);
      if (!p) { loose.push(f.path + " : " + f.message); continue; }
      p.textContent = (p.textContent ? p.textContent + " ; " : "") + f.message;
      const input = p.previousElementSibling;
      if (input && input.matches("input, textarea")) input.setAttribute("aria-invalid", "true");
    }
    status.textContent = e ? problemText(e) + (loose.length ? " — " + loose.join(" ; ") : "") : "";
  }

  function show(m) {
    profiles = m.profiles && m.profiles.length ? m.profiles.map((p) => Object.assign({}, p))
      : [{ id: "main", name: m.name || "", skills: m.skills, clusters: m.clusters, regions: m.regions, exclude: m.exclude, min_score: m.min_score }];
    render();
  }

  async function save(ev) {
    ev.preventDefault();
    const status = $("#profiles-status");
    stash();
    showErrors(null, status);
    status.textContent = t("Enregistrement…");
    $("#profiles-save").disabled = true;
    try {
      show(await api("PATCH", "/api/v1/members/" + encodeURIComponent(member), { profiles: toSend() }));
      status.textContent = t("Profils enregistrés.");
    } catch (e) {
      showErrors(e, status);
    } finally {
      $("#profiles-save").disabled = false;
    }
  }

  function add() {
    stash();
    profiles.push({ name: t("Nouveau profil"), fresh: true });
    render();
    const name = $(`#pf-${profiles.length - 1}-name`);
    name.focus();
    name.select();
  }

  P.initPage("member", async (me) => {
    member = me.member || "";
    if (me.role === "staff") {
      member = new URLSearchParams(location.search).get("member") || "";
      if (!member) { location.replace("/app/staff"); return; }
      const q = "?member=" + encodeURIComponent(member);
      for (const a of [$("#back-link"), $("#prefs-link")]) a.setAttribute("href", a.getAttribute("href") + q);
    }
    $("#profiles-form").addEventListener("submit", save);
    $("#profile-add").addEventListener("click", add);
    try {
      show(await api("GET", "/api/v1/members/" + encodeURIComponent(member)));
    } catch (e) {
      flash(problemText(e));
    }
  });
})();
