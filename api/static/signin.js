// Sign-in page: check the pasted key with /app/api/whoami, keep it in sessionStorage, then go
// to the member page or the staff console.
"use strict";

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
