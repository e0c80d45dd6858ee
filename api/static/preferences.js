// Preferences page: how often and where a member hears of its matches, in which languages,
// from which score. Saved with PATCH /api/v1/members/{id}: the API validates as for any edit,
// and its field errors show beside their fields.
"use strict";

(() => {
  const { api, $, problemText, flash, t } = P;
  let member = "";
  let current = null;

  const form = () => $("#prefs-form");
  const checked = (name) => [...form().querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

  function show(m) {
    current = m;
    const n = m.notify || {};
    const freq = n.frequency || "daily";
    for (const i of form().querySelectorAll('input[name="frequency"]')) i.checked = i.value === freq;
    const channels = n.channels && n.channels.length ? n.channels : ["email"];
    for (const i of form().querySelectorAll('input[name="channels"]')) i.checked = channels.includes(i.value);
    $("#p-webhook").value = n.webhook_url || "";
    const langs = m.languages || [];
    $("#p-lang").value = (langs[0] || "fr").toLowerCase() === "en" ? "en" : "fr";
    for (const i of form().querySelectorAll('input[name="languages"]')) i.checked = langs.slice(1).map((l) => l.toLowerCase()).includes(i.value);
    $("#p-min").value = m.min_score ? String(m.min_score) : "";
  }

  function showErrors(errors) {
    for (const p of form().querySelectorAll(".field-error")) p.textContent = "";
    for (const e of errors || []) {
      const path = e.path.replace(/\[\d+\]$/, "");
      const slot = form().querySelector(`.field-error[data-for="${path}"]`);
      if (slot) slot.textContent = e.message;
    }
  }

  async function save(ev) {
    ev.preventDefault();
    const status = $("#prefs-status");
    const first = $("#p-lang").value;
    const languages = [first, ...checked("languages").filter((l) => l !== first)];
    const min = $("#p-min").value.trim();
    const patch = {
      notify: { frequency: checked("frequency")[0] || "daily", channels: checked("channels") },
      languages,
      min_score: min === "" ? null : Number(min),
    };
    const hook = $("#p-webhook").value.trim();
    if (hook) patch.notify.webhook_url = hook;
    showErrors([]);
    status.textContent = t("Enregistrement…");
    $("#prefs-save").disabled = true;
    try {
      show(await api("PATCH", "/api/v1/members/" + encodeURIComponent(member), patch));
      status.textContent = t("Préférences enregistrées.");
    } catch (e) {
      showErrors(e.problem && e.problem.errors);
      status.textContent = problemText(e);
    } finally {
      $("#prefs-save").disabled = false;
    }
  }

  P.initPage("member", async (me) => {
    member = me.member || "";
    if (me.role === "staff") {
      member = new URLSearchParams(location.search).get("member") || "";
      if (!member) { location.replace("/app/staff"); return; }
    }
    form().addEventListener("submit", save);
    try {
      show(await api("GET", "/api/v1/members/" + encodeURIComponent(member)));
    } catch (e) {
      flash(problemText(e));
    }
  });
})();
