// Sign-in page: ask for a sign-in link by e-mail (the usual way), or check a pasted key with
// /app/api/whoami, keep it in sessionStorage, then go to the member page or the staff console.
"use strict";

(async () => {
  // Already signed in (a session cookie, or a key in this tab): straight to the right page.
  try {
    const me = await P.api("GET", "/app/api/whoami");
    location.replace(me.role === "staff" ? "/app/staff" : "/app/member");
  } catch (e) { /* not signed in: stay */ }
})();

document.getElementById("link-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = document.getElementById("email");
  const status = document.getElementById("link-status");
  const error = document.getElementById("link-error");
  const button = ev.target.querySelector("button");
  const email = input.value.trim();
  status.hidden = error.hidden = true;
  if (!email) return;
  button.disabled = true;
  try {
    await P.api("POST", "/auth/link", { email });
    status.textContent = P.t("Si cette adresse est connue, un lien de connexion vient de lui être envoyé. Il est valable 15 minutes.");
    status.hidden = false;
  } catch (e) {
    error.textContent = e.status === 429 ? P.t("Trop de demandes pour l'instant : utilisez le dernier lien reçu ou réessayez plus tard.")
      : e.status === 400 ? P.t("Cette adresse e-mail n'est pas valide.") : P.problemText(e);
    error.hidden = false;
    input.focus();
  } finally {
    button.disabled = false;
  }
});

document.getElementById("signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = document.getElementById("key");
  const error = document.getElementById("signin-error");
  const button = ev.target.querySelector("button");
  const key = input.value.trim();
  error.hidden = true;
  if (!key) return;
  button.disabled = true;
  try {
    const me = await P.api("GET", "/app/api/whoami", undefined, key);
    P.setKey(key);
    input.value = "";
    location.assign(me.role === "staff" ? "/app/staff" : "/app/member");
  } catch (e) {
    error.textContent = e.status === 401 ? P.t("Clé inconnue ou révoquée. Vérifiez-la et réessayez.") : P.problemText(e);
    error.hidden = false;
    input.focus();
  } finally {
    button.disabled = false;
  }
});
