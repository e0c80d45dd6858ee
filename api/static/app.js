// Passerelle pages: helpers shared by every page. No framework, no build step.
// The API key lives in sessionStorage only: never in a URL, a cookie or the DOM.
// Every piece of data reaches the page through textContent or setAttribute, never as markup.
"use strict";

const P = (() => {
  // The page's words come in French; in English they come from the catalogue the server puts
  // in the page (a JSON data block, not a script: the CSP holds). t() looks a French text up.
  const MESSAGES = (() => {
    const n = document.getElementById("messages");
    try { return n ? JSON.parse(n.textContent) || {} : {}; } catch (e) { return {}; }
  })();
  const norm = (s) => s.replace(/\s+/g, " ").trim();
  const t = (fr) => {
    const v = MESSAGES[norm(fr)];
    return v ? fr.match(/^\s*/)[0] + v + fr.match(/\s*$/)[0] : fr; // keep the spaces around
  };
  // translatePage puts the page's own texts (headings, labels, hints) in the page's language,
  // before any data arrives: data is never looked up.
  function translatePage() {
    if (!Object.keys(MESSAGES).length) return;
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      // Data a server-rendered page shows (a title, a name) is marked translate="no".
      if (n.parentElement && n.parentElement.closest('[translate="no"]')) continue;
      const k = norm(n.nodeValue);
      if (k && MESSAGES[k]) n.nodeValue = n.nodeValue.replace(/\S[\s\S]*\S|\S/, MESSAGES[k]);
    }
    for (const e of document.querySelectorAll("[placeholder],[aria-label],[title]")) {
      for (const a of ["placeholder", "aria-label", "title"]) {
        const v = e.getAttribute(a);
        if (v && MESSAGES[norm(v)]) e.setAttribute(a, MESSAGES[norm(v)]);
      }
    }
    document.title = t(document.title.replace(/ · Passerelle$/, "")) + " · Passerelle";
  }
  translatePage();
  const LOCALE = document.documentElement.lang === "en" ? "en-GB" : "fr-BE";
  const KEY = "passerelle.key";
  const key = () => sessionStorage.getItem(KEY) || "";
  const setKey = (k) => sessionStorage.setItem(KEY, k);
  // A person signed in by e-mail link has a session cookie (HttpOnly: this script never sees
  // it) instead of a key; the changes it makes repeat the session's CSRF token, which whoami
  // gives. A pasted key, when there is one, wins: it is what power users chose.
  let csrf = "";
  async function signOut() {
    if (key()) sessionStorage.removeItem(KEY);
    else await fetch("/auth/logout", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" }).catch(() => null);
    location.assign("/");
  }

  // APIError carries the problem+json body of a failed call (title, detail, errors).
  class APIError extends Error {
    constructor(status, problem) {
      super((problem && problem.title) || ("HTTP " + status));
      this.status = status;
      this.problem = problem || {};
    }
  }

  async function api(method, path, body, withKey) {
    const headers = { "Accept": "application/json" };
    const opts = { method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" };
    if (withKey || key()) headers["Authorization"] = "Bearer " + (withKey || key());
    else {
      opts.credentials = "same-origin";
      if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
    }
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      opts.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, opts);
    } catch (e) {
      throw new APIError(0, { title: t("Serveur injoignable"), detail: String(e) });
    }
    if (resp.status === 204) return null;
    const type = resp.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await resp.json().catch(() => null) : null;
    if (!resp.ok) throw new APIError(resp.status, data || { title: resp.statusText });
    return data;
  }

  // el builds an element: attrs.text sets textContent, attrs.class the class, the rest are
  // attributes; children are nodes or strings (which become text nodes).
  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") n.textContent = v;
      else if (k === "class") n.className = v;
      else n.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      n.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return n;
  }
  const clear = (n) => { n.replaceChildren(); return n; };
  const $ = (sel) => document.querySelector(sel);

  // Only web links are followed: a javascript: or data: URL in a notice stays plain text.
  const safeURL = (u) => (typeof u === "string" && /^https?:\/\//i.test(u) ? u : "");

  // link renders a notice title: a link that leaves nothing behind (no referrer, no opener).
  function link(text, url) {
    const href = safeURL(url);
    if (!href) return el("span", { text });
    return el("a", { href, text, rel: "noopener noreferrer external", target: "_blank" });
  }

  let serverNow = new Date();
  const DAY = 86400000;
  function dateText(iso, withTime) {
    const d = new Date(iso);
    if (isNaN(d)) return "";
    const o = { day: "numeric", month: "short", year: "numeric" };
    if (withTime) { o.hour = "2-digit"; o.minute = "2-digit"; }
    return d.toLocaleString(LOCALE, o);
  }
  // deadlineText says how far a deadline is from the server's today, in calendar days.
  function deadlineText(iso) {
    if (!iso) return t("date limite inconnue");
    const d = new Date(iso);
    const midnight = (x) => Date.UTC(x.getFullYear(), x.getMonth(), x.getDate());
    const n = Math.round((midnight(d) - midnight(serverNow)) / DAY);
    const when = " (" + dateText(iso) + ")";
    if (n < 0) return t("clôturé depuis ") + (-n) + (n === -1 ? t(" jour") : t(" jours")) + when;
    if (n === 0) return t("clôture aujourd'hui") + when;
    if (n === 1) return t("clôture demain") + when;
    return t("clôture dans ") + n + t(" jours") + when;
  }
  function deadlineNode(iso) {
    const t = el("time", { text: deadlineText(iso) });
    if (iso) t.setAttribute("datetime", iso);
    return t;
  }

  const STATUS = { open: t("ouvert"), closing: t("clôture proche"), closed: t("clôturé"), cancelled: t("annulé"), unknown: t("statut inconnu"),
    ok: "ok", partial: t("partiel"), failed: t("échec"), running: t("en cours") };
  const badge = (status) => el("span", { class: "badge " + (status || "unknown"), text: STATUS[status] || status || "?" });

  // problemText turns a failed call into one readable sentence.
  function problemText(err) {
    const p = (err && err.problem) || {};
    const parts = [p.title || (err && err.message) || t("Erreur")];
    if (p.detail && p.detail !== p.title) parts.push(p.detail);
    return parts.join(" — ");
  }

  function flash(msg) {
    const f = $("#flash");
    f.textContent = msg;
    f.hidden = !msg;
  }

  // initPage checks the key or the session, shows who is signed in and hands over to the page. A page meant
  // for the other role sends the visitor to the right one.
  async function initPage(role, ready) {
    let me;
    try {
      me = await api("GET", "/app/api/whoami");
    } catch (e) {
      if (e.status === 401) { sessionStorage.removeItem(KEY); location.replace("/"); return; }
      flash(problemText(e));
      return;
    }
    if (me.now) serverNow = new Date(me.now);
    if (me.person) csrf = me.person.csrf || "";
    if (role === "staff" && me.role !== "staff") { location.replace("/app/member"); return; }
    $("#whoami").textContent = (me.person ? (me.person.name || me.person.email) + " · " : "") +
      (me.role === "staff" ? t("Équipe (staff)") : t("Membre ") + me.member);
    $("#account").hidden = false;
    $("#signout").addEventListener("click", signOut);
    initSearch();
    await ready(me);
  }

  // initSearch wires the opportunity search box, when the page has one.
  function initSearch() {
    const form = $("#search-form");
    if (!form) return;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const q = $("#search-q").value.trim();
      const out = clear($("#search-results"));
      const status = $("#search-status");
      status.textContent = t("Recherche…");
      try {
        const res = await api("GET", "/api/v1/opportunities?" + new URLSearchParams({ q, status: "open,closing", limit: "10", facets: "false" }));
        status.textContent = res.total === 0 ? t("Aucune opportunité ouverte ne correspond.")
          : res.total + t(" opportunité(s) ouverte(s)") + (res.total > res.items.length ? t(", les ") + res.items.length + t(" plus pertinentes :") : " :");
        for (const o of res.items) {
          out.append(el("li", { class: "hit" },
            el("h3", {}, link(o.title || o.id, o.url)),
            el("p", { class: "meta" }, badge(o.status), " ", o.buyer ? o.buyer + " · " : "", deadlineNode(o.deadline))));
        }
      } catch (e) {
        status.textContent = problemText(e);
      }
    });
  }

  // setNow takes the server's clock from an answer that carries it (a page opened by a link).
  const setNow = (iso) => { const d = new Date(iso); if (!isNaN(d)) serverNow = d; };

  return { t, api, APIError, el, clear, $, key, setKey, signOut, link, badge, dateText, deadlineNode, problemText, flash, initPage, setNow };
})();

// runProgress says how far a run has gone — its stage and sources read while it runs, what
// it did once ended — for "run now" in the console and the run's own page.
P.runProgress = (run) => {
  const { t } = P;
  const parts = [];
  if (run.status === "running") {
    parts.push(run.stage === "match" ? t("étape : matching") : run.stage === "notify" ? t("étape : envoi des résumés") : t("étape : lecture des sources"));
  }
  parts.push(t("sources lues : ") + (run.sources || []).length + (run.sources_planned ? " / " + run.sources_planned : ""));
  if (run.status !== "running" || run.stage !== "ingest") {
    parts.push(t("opportunités indexées : ") + (run.indexed || 0), t("matches : ") + (run.matches || 0));
  }
  if (run.digests || run.deliveries || run.delivery_failures) {
    const sent = run.deliveries || 0;
    parts.push(t("résumés : ") + (run.digests || 0) + " (" + sent + (sent === 1 ? t(" envoi réussi, ") : t(" envois réussis, ")) + (run.delivery_failures || 0) + t(" en échec") + ")");
  }
  return parts.join(", ");
};
