// Hotline wallboard: renders the board the switch streams (server-sent
// events, one picture a second) and ticks the clocks in between.
"use strict";
(function () {
  let board = null, receivedAt = 0;

  function dur(s) {
    s = Math.max(0, Math.floor(s));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
  }
  function pct(f, base) { return base > 0 ? Math.round(f * 100) + "%" : "–"; }
  function cell(tr, text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }
  function slClass(sl, base, target) {
    if (!(base > 0) || !target) return "";
    return sl >= target ? "ok" : "bad";
  }

  function render() {
    if (!board) return;
    const drift = (Date.now() - receivedAt) / 1000; // seconds since the picture
    document.getElementById("clock").textContent = new Date(Date.parse(board.at) + drift * 1000).toLocaleTimeString();

    const alerts = document.getElementById("alerts");
    alerts.replaceChildren(...(board.alerts || []).map((a) => {
      const d = document.createElement("div");
      d.className = "alert";
      d.dataset.kind = a.Kind;
      d.textContent = a.Message;
      return d;
    }));

    const qb = document.querySelector("#queues tbody");
    qb.replaceChildren(...(board.queues || []).map((q) => {
      const tr = document.createElement("tr");
      tr.dataset.queue = q.name;
      cell(tr, q.name);
      cell(tr, q.waiting, "big waiting" + (q.waiting > 0 ? " warn" : ""));
      cell(tr, q.ringing, "ringing");
      cell(tr, q.waiting + q.ringing > 0 ? dur(q.longest_wait_s + drift) : "–", "longest");
      cell(tr, `${q.ready} / ${q.logged_in}`, q.logged_in === 0 ? "bad" : "");
      cell(tr, q.today.offered, "offered");
      cell(tr, q.today.answered, "answered");
      cell(tr, `${q.today.abandoned} (${pct(q.today.abandon_rate, q.today.offered)})`, "abandoned");
      cell(tr, pct(q.today.service_level, q.today.sl_base), "sl " + slClass(q.today.service_level, q.today.sl_base, q.sl_target));
      cell(tr, q.today.answered > 0 ? dur(q.today.asa_s) : "–", "asa");
      cell(tr, pct(q.last_30m.service_level, q.last_30m.sl_base), slClass(q.last_30m.service_level, q.last_30m.sl_base, q.sl_target));
      return tr;
    }));

    const ab = document.querySelector("#agents tbody");
    ab.replaceChildren(...(board.agents || []).map((a) => {
      const tr = document.createElement("tr");
      tr.dataset.agent = a.id;
      cell(tr, a.name ? `${a.name} (${a.id})` : a.id);
      const st = document.createElement("span");
      st.className = "state " + a.state;
      st.textContent = a.state.replace("_", " ");
      tr.appendChild(document.createElement("td")).appendChild(st);
      cell(tr, a.reason || "");
      cell(tr, a.since && !a.since.startsWith("0001") ? dur(a.in_state_s + drift) : "–");
      cell(tr, a.queue || "");
      return tr;
    }));
  }

  function connect() {
    const link = document.getElementById("link");
    const es = new EventSource("/api/wallboard/events");
    es.addEventListener("board", (e) => {
      board = JSON.parse(e.data);
      receivedAt = Date.now();
      link.textContent = "live";
      link.className = "link up";
      render();
    });
    es.onerror = () => { link.textContent = "reconnecting…"; link.className = "link down"; };
  }

  connect();
  setInterval(render, 1000);
})();
