// Staff people: list, add, remove. Each signs in with a link mailed to their address; the audit
// log names them.
"use strict";

(() => {
  const { api, el, clear, $, problemText, flash, dateText, t } = P;
  let me = null;

  async function load() {
    const res = await api("GET", "/api/v1/staff-users");
    const body = clear($("#staff-users tbody"));
    if (!res.items.length) {
      body.append(el("tr", {}, el("td", { colspan: "4", class: "muted",
        text: t("Personne pour l'instant. Ajoutez-vous ci-dessous : vous pourrez ensuite vous connecter avec un lien reçu par e-mail.") })));
    }
    for (const u of res.items) {
      const mine = me && me.person && me.person.staff === u.id;
      const remove = el("button", { type: "button", class: "secondary", "data-remove": u.id, text: t("Retirer") });
      remove.addEventListener("click", async () => {
        if (!remove.dataset.armed) { remove.dataset.armed = "1"; remove.textContent = t("Confirmer le retrait"); return; }
        try {
          await api("DELETE", "/api/v1/staff-users/" + encodeURIComponent(u.id));
          $("#users-status").textContent = t("Personne retirée :") + " " + u.name;
          if (mine) { location.assign("/"); return; }
          await load();
        } catch (e) {
          $("#users-status").textContent = problemText(e);
        }
      });
      body.append(el("tr", { "data-id": u.id },
        el("th", { scope: "row" }, u.name, mine ? el("span", { class: "you", text: " " + t("(vous)") }) : null),
        el("td", { text: u.email }), el("td", { text: dateText(u.created) }), el("td", {}, remove)));
    }
  }

  async function add(ev) {
    ev.preventDefault();
    const f = ev.target;
    for (const p of f.querySelectorAll(".field-error")) p.textContent = "";
    try {
      const u = await api("POST", "/api/v1/staff-users", { name: $("#uf-name").value.trim(), email: $("#uf-email").value.trim() });
      f.reset();
      $("#users-status").textContent = t("Personne ajoutée :") + " " + u.name;
      await load();
    } catch (e) {
      for (const fe of (e.problem && e.problem.errors) || []) {
        const slot = f.querySelector(`.field-error[data-for="${fe.path}"]`);
        if (slot) slot.textContent = fe.message;
      }
      $("#users-status").textContent = problemText(e);
    }
  }

  P.initPage("staff", async (who) => {
    me = who;
    $("#user-form").addEventListener("submit", add);
    try {
      await load();
    } catch (e) {
      flash(problemText(e));
    }
  });
})();
