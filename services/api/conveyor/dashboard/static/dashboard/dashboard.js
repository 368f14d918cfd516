/* conveyor's dashboard: keeps the server-rendered pages live by polling the small JSON
   views under /dashboard/live/ (every POLL_MS), and draws the overview's charts as SVG.
   No framework, no build step; loaded from this origin only (the CSP allows no inline
   script). */
"use strict";

(function () {
  const POLL_MS = 2000;
  const SVG_NS = "http://www.w3.org/2000/svg";

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(key, value);
    }
    for (const child of children || []) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    return node;
  }

  function seconds(value) {
    if (value === null || value === undefined) return "–";
    if (value < 60) return value.toFixed(value < 10 ? 1 : 0) + " s";
    if (value < 3600) return (value / 60).toFixed(1) + " min";
    return (value / 3600).toFixed(1) + " h";
  }

  function status(text) {
    const node = document.getElementById("live-status");
    if (!node) return;
    node.hidden = !text;
    node.textContent = text || "";
  }

  function csrfInput() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.cloneNode() : null;
  }

  function postButton(action, label, className) {
    const form = el("form", { method: "post", action: action });
    const token = csrfInput();
    if (token) form.append(token);
    form.append(el("button", { type: "submit", class: className }, [label]));
    return form;
  }

  /* ---- charts --------------------------------------------------------------------- */

  function lineChart(target, labels, series) {
    const width = 600, height = 200, left = 40, right = 8, top = 8, bottom = 22;
    while (target.firstChild) target.firstChild.remove();
    let max = 0;
    for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
    if (max === 0) max = 1;
    const x = (i) => left + (i * (width - left - right)) / Math.max(1, labels.length - 1);
    const y = (v) => top + (height - top - bottom) * (1 - v / max);
    target.append(svg("line", { x1: left, y1: y(0), x2: width - right, y2: y(0), class: "axis" }));
    target.append(svg("line", { x1: left, y1: top, x2: left, y2: y(0), class: "axis" }));
    const maxLabel = svg("text", { x: left - 4, y: top + 8, class: "tick", "text-anchor": "end" });
    maxLabel.textContent = max >= 10 ? Math.round(max) : max.toFixed(1);
    target.append(maxLabel);
    for (const [i, anchor] of [[0, "start"], [labels.length - 1, "end"]]) {
      const text = svg("text", { x: x(i), y: height - 6, class: "tick", "text-anchor": anchor });
      text.textContent = labels[i] ? new Date(labels[i]).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false }) : "";
      target.append(text);
    }
    for (const s of series) {
      let path = "";
      s.values.forEach((v, i) => {
        if (v === null) return;
        const gap = i === 0 || s.values[i - 1] === null;
        path += (gap ? "M" : "L") + x(i).toFixed(1) + " " + y(v).toFixed(1) + " ";
      });
      if (path) target.append(svg("path", { d: path, class: "line " + s.cls, "data-series": s.name }));
      // A minute with no neighbour draws no line: a dot shows it.
      s.values.forEach((v, i) => {
        const alone = (i === 0 || s.values[i - 1] === null) && (i === s.values.length - 1 || s.values[i + 1] === null);
        if (v !== null && alone) target.append(svg("circle", { cx: x(i), cy: y(v), r: 3, class: "dot " + s.cls }));
      });
    }
  }

  /* ---- pages ---------------------------------------------------------------------- */

  function queueRows(tbody, queues, withActions) {
    const rows = queues.map((q) => {
      const cells = [
        el("td", {}, [q.name]), el("td", {}, [q.waiting]), el("td", {}, [q.scheduled]),
        el("td", {}, [q.running]), el("td", { class: "backlog" }, [q.backlog]),
        el("td", {}, [seconds(q.oldest_waiting_seconds)]), el("td", {}, [q.workers]),
        el("td", { class: q.paused ? "paused" : "" }, [q.paused ? "paused" : "active"]),
      ];
      if (withActions) {
        const verb = q.paused ? "resume" : "pause";
        cells.push(el("td", {}, [postButton(
          "/dashboard/queues/" + encodeURIComponent(q.name) + "/" + verb,
          q.paused ? "Resume" : "Pause", "queue-" + verb)]));
      }
      return el("tr", { "data-queue": q.name }, cells);
    });
    tbody.replaceChildren(...rows);
  }

  const pages = {
    overview(data) {
      queueRows(document.querySelector("#queues-table tbody"), data.queues, false);
      const labels = data.minutes.map((m) => m.at);
      const pick = (name) => data.minutes.map((m) => m[name]);
      lineChart(document.getElementById("throughput-chart"), labels, [
        { name: "succeeded", cls: "s-succeeded", values: pick("succeeded") },
        { name: "failed", cls: "s-failed", values: pick("failed") },
        { name: "retried", cls: "s-retried", values: pick("retried") },
      ]);
      lineChart(document.getElementById("latency-chart"), labels, [
        { name: "wait_p50", cls: "s-wait50", values: pick("wait_p50") },
        { name: "wait_p95", cls: "s-wait95", values: pick("wait_p95") },
        { name: "run_p50", cls: "s-run50", values: pick("run_p50") },
        { name: "run_p95", cls: "s-run95", values: pick("run_p95") },
      ]);
      document.getElementById("failure-ratio").textContent =
        data.failure_ratio === null ? "no job finished" : (100 * data.failure_ratio).toFixed(1) + " %";
    },

    queues(data) {
      const operate = document.body.dataset.operate === "yes";
      queueRows(document.querySelector("#queues-table tbody"), data.queues, operate);
      const rows = data.workers.map((w) => el("tr", { "data-worker": w.name }, [
        el("td", {}, [w.name]), el("td", {}, [w.queues.join(", ")]), el("td", {}, [w.concurrency]),
        el("td", {}, [seconds(w.heartbeat_age_seconds)]),
        el("td", {}, w.running_job_ids.length ? w.running_job_ids.map((id) =>
          el("a", { href: "/dashboard/jobs/" + id + "/", class: "job-link" }, [id.slice(0, 8) + " "])) : ["–"]),
        el("td", {}, [w.version || "–"]),
      ]));
      if (!rows.length) rows.push(el("tr", {}, [el("td", { colspan: 6 }, ["No live worker."])]));
      document.querySelector("#workers-table tbody").replaceChildren(...rows);
    },

    jobs(data) {
      for (const [state, count] of Object.entries({ total: data.total, ...zeroCounts(), ...data.counts })) {
        const node = document.querySelector('[data-count="' + state + '"]');
        if (node) node.textContent = count;
      }
      for (const job of data.jobs) {
        const row = document.querySelector('tr[data-job="' + job.id + '"]');
        if (!row) continue;
        const state = row.querySelector('[data-field="state"]');
        state.textContent = job.state;
        state.className = "state state-" + job.state;
        const progress = row.querySelector('[data-field="progress"]');
        progress.textContent = job.progress_percent === null ? "" : Math.round(job.progress_percent) + "%";
      }
    },

    job(data) {
      const state = document.getElementById("job-state");
      state.textContent = data.state;
      state.className = "state state-" + data.state;
      document.getElementById("job-attempts").textContent = data.attempts + "/" + data.max_attempts;
      setProgress(data.progress_percent, data.progress_message);
      // A new attempt recorded or a final state: the page's tables change, render it again.
      const before = document.body.dataset;
      if (String(data.attempt_count) !== before.attempts || (data.final && before.state !== data.state)) {
        window.location.reload();
      }
    },
  };

  function zeroCounts() {
    const zero = {};
    document.querySelectorAll("[data-count]").forEach((n) => { if (n.dataset.count !== "total") zero[n.dataset.count] = 0; });
    return zero;
  }

  function setProgress(percent, message) {
    const bar = document.getElementById("job-progress-bar");
    if (!bar) return;
    const value = percent === null || percent === undefined ? 0 : percent;
    bar.style.width = Math.max(0, Math.min(100, value)) + "%";
    bar.dataset.percent = value;
    document.getElementById("job-progress").setAttribute("aria-valuenow", Math.round(value));
    document.getElementById("job-progress-percent").textContent = percent === null ? "–" : Math.round(value) + "%";
    document.getElementById("job-progress-message").textContent = message || "";
  }

  function pollUrl() {
    const base = document.body.dataset.poll;
    if (document.body.dataset.page !== "jobs") return base;
    const ids = Array.from(document.querySelectorAll("tr[data-job]"), (r) => "id=" + r.dataset.job);
    return base + (base.includes("?") ? "&" : "?") + ids.join("&");
  }

  async function poll(render) {
    try {
      const response = await fetch(pollUrl(), { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.status === 403) { window.location.reload(); return; }
      if (!response.ok) throw new Error("HTTP " + response.status);
      render(await response.json());
      status("");
    } catch (error) {
      status("Live updates paused: " + error.message + " (retrying)");
    }
    window.setTimeout(() => poll(render), POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const bar = document.getElementById("job-progress-bar");
    if (bar) bar.style.width = Math.min(100, parseFloat(bar.dataset.percent || "0")) + "%";
    const page = document.body.dataset.page === "jobs" && document.getElementById("job-state") ? "job" : document.body.dataset.page;
    const render = pages[page];
    if (render && document.body.dataset.poll) poll(render);
  });
})();
