// Marketing pages: the nested segment builder with a live count, variable insertion, the SMS
// counter, copy buttons and the campaign progress. Progressive enhancement only.
// Every word shown comes from the page (#ui-texts, in the viewer's language); numbers are
// written with Intl.NumberFormat in the page's language.
"use strict";

const TEXTS = (() => {
  const node = document.getElementById("ui-texts");
  try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
})();

function t(key, values) {
  const text = TEXTS[key] || key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? String(values[name]) : whole));
}

const NUMBER = new Intl.NumberFormat(document.documentElement.lang || undefined);

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => { if (v !== undefined) { node.setAttribute(k, v); } });
  children.forEach((c) => node.append(c));
  return node;
}

function option(value, label, selected) {
  const o = el("option", { value }, label);
  if (selected) { o.selected = true; }
  return o;
}

// --- segment builder ------------------------------------------------------------------------
// Each row offers the ops its field takes and a value input of the field's type; a field the
// catalogue does not know is kept (never dropped to "everyone") and the service's error is
// shown at the row it names; the JSON view is checked by the service before it replaces the tree.

function typedValue(kind, op, raw) {
  const text = raw.trim();
  if (op === "exists") { return !["false", "no", "0"].includes(text.toLowerCase()); }
  if (op === "within_days" || op === "older_than_days") { return text === "" ? text : Number(text); }
  const scalar = (part) => {
    const t = part.trim();
    if (kind === "age" || kind === "money") { return t === "" || Number.isNaN(Number(t)) ? t : Number(t); }
    if (kind === "any") {
      if (t === "true" || t === "false") { return t === "true"; }
      if (t !== "" && !Number.isNaN(Number(t))) { return Number(t); }
    }
    return t;
  };
  if (op === "in" || op === "nin") { return text.split(",").filter((p) => p.trim()).map(scalar); }
  return scalar(text);
}

function segmentBuilder(form) {
  const host = form.querySelector("#builder");
  const catalogue = JSON.parse(host.dataset.catalogue);
  const texts = catalogue.texts;
  const fields = Object.fromEntries(catalogue.fields.map((f) => [f.name, f]));
  const textarea = form.querySelector("#filter");
  const jsonError = document.getElementById("json-error");
  const mode = form.querySelector("#filter-mode");
  const saveFilter = document.getElementById("save-filter");
  const saveButton = document.querySelector("#save-form button[type=submit]");
  const countNode = document.getElementById("live-count");
  const errorNode = document.getElementById("live-error");
  const sampleNode = document.getElementById("live-sample");
  let datalists = 0;

  function fieldSelect(selected) {
    const select = el("select", { "aria-label": texts.field, class: "b-field" });
    select.append(option("", "—"));
    if (selected && !fields[selected]) {
      const unknown = option(selected, selected + " (" + texts.unknown_field + ")", true);
      unknown.dataset.unknown = "1";
      select.append(unknown);
    }
    const groups = {};
    catalogue.fields.forEach((f) => {
      if (!groups[f.group]) { groups[f.group] = el("optgroup", { label: f.group }); select.append(groups[f.group]); }
      const o = option(f.name, f.label || f.name, f.name === selected);
      if (f.doc) { o.title = f.doc; }
      groups[f.group].append(o);
    });
    return select;
  }

  function opSelect(field, selected) {
    const spec = fields[field];
    const allowed = spec ? spec.ops : Object.keys(catalogue.ops);
    const ops = el("select", { "aria-label": texts.operator, class: "b-op" });
    allowed.forEach((op) => ops.append(option(op, catalogue.ops[op], op === selected)));
    if (selected && !allowed.includes(selected)) { ops.append(option(selected, catalogue.ops[selected] || selected, true)); }
    return ops;
  }

  function valueText(value) {
    if (value === undefined || value === null) { return ""; }
    return Array.isArray(value) ? value.join(", ") : String(value);
  }

  function valueInput(field, op, value) {
    const spec = fields[field] || { kind: "text", values: [] };
    const attrs = { "aria-label": texts.value, class: "b-value" };
    const text = valueText(value);
    if (op === "exists") {
      const select = el("select", attrs);
      select.append(option("true", texts.yes, value !== false), option("false", texts.no, value === false));
      return select;
    }
    if (op === "within_days" || op === "older_than_days") {
      const input = el("input", { ...attrs, type: "number", min: "0", max: "36500", step: "1" });
      input.value = text;
      return input;
    }
    const list = op === "in" || op === "nin";
    if ((spec.kind === "enum" || spec.kind === "consent") && spec.values.length) {
      const select = el("select", list ? { ...attrs, multiple: "" } : attrs);
      const chosen = Array.isArray(value) ? value.map(String) : [text];
      if (!list) { select.append(option("", texts.choose, text === "")); }
      spec.values.forEach((v) => select.append(option(v, v, chosen.includes(v))));
      return select;
    }
    const input = el("input", attrs);
    if (!list && (spec.kind === "date" || spec.kind === "datetime")) { input.type = "date"; }
    if (!list && (spec.kind === "age" || spec.kind === "money")) { input.type = "number"; input.step = "any"; }
    if (list || input.type === "text") { input.placeholder = texts.list_hint; }
    if (spec.values && spec.values.length && spec.kind === "any") {
      datalists += 1;
      const id = "b-values-" + datalists;
      const options = el("datalist", { id });
      spec.values.forEach((v) => options.append(el("option", { value: v })));
      input.setAttribute("list", id);
      input.value = text.length > 10 && input.type === "date" ? text.slice(0, 10) : text;
      const wrap = el("span", { class: "b-value-wrap" }, input, options);
      return wrap;
    }
    input.value = input.type === "date" ? text.slice(0, 10) : text;
    return input;
  }

  function readValue(node, kind, op) {
    const input = node.querySelector(".b-value");
    if (input.multiple) { return typedValue(kind, op, Array.from(input.selectedOptions).map((o) => o.value).join(",")); }
    return typedValue(kind, op, input.value);
  }

  function row(cond) {
    const node = el("div", { class: "builder-row" });
    const field = fieldSelect(cond && cond.field);
    const problem = el("p", { class: "b-error why", role: "alert" });
    let ops = opSelect(field.value, cond && cond.op);
    let value = valueInput(field.value, ops.value, cond && cond.value);
    const remove = el("button", { type: "button", class: "link", "aria-label": texts.remove_row }, "✕");
    remove.addEventListener("click", () => { node.remove(); changed(); });
    field.addEventListener("change", () => {
      const fresh = opSelect(field.value, ops.value);
      ops.replaceWith(fresh); ops = fresh;
      const input = valueInput(field.value, ops.value, undefined);
      value.replaceWith(input); value = input;
    });
    node.addEventListener("change", (event) => {
      if (event.target === ops) {
        const input = valueInput(field.value, ops.value, undefined);
        value.replaceWith(input); value = input;
      }
    });
    node.append(field, ops, value, remove, problem);
    return node;
  }

  function group(kind, items) {
    const node = el("div", { class: "builder-group" });
    const head = el("div", { class: "builder-head" });
    const combinator = el("select", { "aria-label": texts.combine, class: "b-combinator" });
    Object.entries(catalogue.groups).forEach(([k, l]) => combinator.append(option(k, l, k === kind)));
    head.append(texts.matching + " ", combinator);
    const body = el("div", { class: "builder-body" });
    const tools = el("div", { class: "builder-tools" });
    const addRow = el("button", { type: "button", class: "b-add-row" }, texts.add_row);
    const addGroup = el("button", { type: "button", class: "b-add-group" }, texts.add_group);
    addRow.addEventListener("click", () => { body.append(row(null)); });
    addGroup.addEventListener("click", () => { body.append(group("any", [])); });
    tools.append(addRow, addGroup);
    if (host.childElementCount) {
      const remove = el("button", { type: "button", class: "link", "aria-label": texts.remove_group }, texts.remove_group);
      remove.addEventListener("click", () => { node.remove(); changed(); });
      tools.append(remove);
    }
    node.append(head, body, tools);
    (items.length ? items : [null]).forEach((item) => body.append(fromFilter(item)));
    return node;
  }

  function fromFilter(f) {
    if (f && (f.all || f.any)) { return group(f.all ? "all" : "any", f.all || f.any); }
    if (f && f.not) {
      const inner = f.not;
      return group("none", inner.any || inner.all || [inner]);
    }
    return row(f);
  }

  // `where` is the path the service names in its errors (filter.all[0].field)
  function toFilter(node, where) {
    delete node.dataset.where;
    if (node.classList.contains("builder-row")) {
      const field = node.querySelector(".b-field").value;
      if (!field) { return null; }
      node.dataset.where = where;
      const op = node.querySelector(".b-op").value;
      return { field, op, value: readValue(node, (fields[field] || { kind: "any" }).kind, op) };
    }
    const kind = node.querySelector(".b-combinator").value;
    const key = kind === "none" ? "not.any" : kind;
    const items = [];
    Array.from(node.querySelector(".builder-body").children).forEach((child) => {
      const item = toFilter(child, where + "." + key + "[" + items.length + "]");
      if (item) { items.push(item); }
    });
    if (!items.length) { return null; }
    if (kind === "none") { return { not: { any: items } }; }
    return kind === "any" ? { any: items } : { all: items };
  }

  function clearProblems() {
    host.querySelectorAll(".b-error").forEach((p) => { p.textContent = ""; });
    host.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
    errorNode.textContent = "";
  }

  function showProblem(error) {
    const where = (error.details && error.details.where) || "";
    let best = null;
    host.querySelectorAll(".builder-row[data-where]").forEach((r) => {
      const at = r.dataset.where;
      if ((where === at || where.startsWith(at + ".")) && (!best || at.length > best.dataset.where.length)) { best = r; }
    });
    if (best) {
      const part = where.slice(best.dataset.where.length + 1);
      const target = best.querySelector({ field: ".b-field", op: ".b-op", value: ".b-value" }[part] || ".b-field");
      target.setAttribute("aria-invalid", "true");
      best.querySelector(".b-error").textContent = (error.details && error.details.problem) || error.message;
    } else {
      errorNode.textContent = error.message || texts.uncounted;
    }
    // never leave a count up that the filter shown does not have
    countNode.textContent = "–";
    sampleNode.replaceChildren();
    if (saveButton) { saveButton.disabled = true; }
  }

  async function check(text) {
    const response = await fetch("/segments/count?filter=" + encodeURIComponent(text), { headers: { Accept: "application/json" } });
    const data = await response.json().catch(() => ({}));
    return { ok: response.ok, data };
  }

  let initial = null;
  try { initial = textarea.value.trim() ? JSON.parse(textarea.value) : null; } catch (e) { initial = null; }
  if (initial && !initial.all && !initial.any && !initial.not) { initial = { all: [initial] }; }
  host.append(initial ? fromFilter(initial) : group("all", []));
  host.hidden = false;
  form.querySelector("#plain-rows").hidden = true;
  mode.value = "json";

  let asked = 0;
  const refresh = debounce(async () => {
    const filter = toFilter(host.firstElementChild, "filter") || {};
    const text = JSON.stringify(filter);
    textarea.value = text;
    jsonError.textContent = "";
    if (saveFilter) { saveFilter.value = text; }
    asked += 1;
    const mine = asked;
    const { ok, data } = await check(text);
    if (mine !== asked) { return; }
    clearProblems();
    if (!ok) { showProblem(data.error || {}); return; }
    if (saveButton) { saveButton.disabled = false; }
    countNode.textContent = NUMBER.format(data.count);
    sampleNode.replaceChildren(...data.sample.map((p) => el("li", {}, el("a", { href: "/people/" + encodeURIComponent(p.id) }, p.name || "–"))));
  }, 300);
  function changed() { refresh(); }
  host.addEventListener("input", changed);
  host.addEventListener("change", changed);
  host.addEventListener("click", (event) => { if (event.target.matches(".b-add-row, .b-add-group")) { changed(); } });
  textarea.addEventListener("change", async () => {
    let parsed;
    try { parsed = JSON.parse(textarea.value || "{}"); } catch (e) {
      textarea.setAttribute("aria-invalid", "true");
      jsonError.textContent = texts.invalid_json;
      return;
    }
    const { ok, data } = await check(JSON.stringify(parsed));
    if (!ok) {
      textarea.setAttribute("aria-invalid", "true");
      jsonError.textContent = texts.not_applied.replace("%(problem)s", (data.error && data.error.message) || texts.uncounted);
      return;
    }
    textarea.removeAttribute("aria-invalid");
    jsonError.textContent = "";
    host.replaceChildren(Object.keys(parsed).length ? fromFilter(parsed.field ? { all: [parsed] } : parsed) : group("all", []));
    changed();
  });
  changed();
}

// --- templates ------------------------------------------------------------------------------

function templateEditor() {
  let last = document.querySelector("[data-insert]");
  document.querySelectorAll("[data-insert]").forEach((field) => field.addEventListener("focus", () => { last = field; }));
  document.querySelectorAll("[data-variable]").forEach((button) => button.addEventListener("click", () => {
    if (!last) { return; }
    const text = "{{ " + button.dataset.variable + " }}";
    const start = last.selectionStart ?? last.value.length;
    const end = last.selectionEnd ?? last.value.length;
    last.value = last.value.slice(0, start) + text + last.value.slice(end);
    last.focus();
    last.selectionStart = last.selectionEnd = start + text.length;
    last.dispatchEvent(new Event("input"));
  }));
  document.querySelectorAll("[data-sms-count]").forEach((field) => {
    const out = document.querySelector(field.dataset.smsCount);
    const update = debounce(async () => {
      const response = await fetch("/templates/sms-count?text=" + encodeURIComponent(field.value));
      if (!response.ok) { return; }
      const info = await response.json();
      out.textContent = t(info.segments === 1 ? "sms_one" : "sms_many", { characters: NUMBER.format(info.characters), segments: NUMBER.format(info.segments), encoding: info.encoding });
    }, 200);
    field.addEventListener("input", update);
  });
}

// --- campaign progress ----------------------------------------------------------------------

function campaignProgress(card) {
  const bar = document.getElementById("c-progress");
  const percent = document.getElementById("c-percent");
  const status = document.getElementById("c-status");
  const tick = async () => {
    const response = await fetch(card.dataset.stats, { headers: { Accept: "application/json" } });
    if (!response.ok) { setTimeout(tick, 5000); return; }
    const data = await response.json();
    bar.value = data.stats.progress;
    percent.textContent = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent" }).format(data.stats.progress);
    status.textContent = (TEXTS.status || {})[data.status] || data.status;
    status.className = "status st-" + data.status;
    card.querySelectorAll("[data-stat]").forEach((dd) => { dd.textContent = NUMBER.format(data.stats[dd.dataset.stat] ?? 0); });
    if (["completed", "cancelled"].includes(data.status)) {
      card.querySelectorAll(".actions form").forEach((form) => form.remove());
      // the lists of failures, skips and replies are rendered by the server: fetch them once
      if (!["completed", "cancelled"].includes(card.dataset.initial)) { window.location.reload(); }
    } else if (data.status !== "draft") { setTimeout(tick, 1000); }
  };
  tick();
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("segment-form");
  if (form) { segmentBuilder(form); }
  templateEditor();
  const card = document.getElementById("progress-card");
  if (card) { campaignProgress(card); }
  document.querySelectorAll("[data-copy]").forEach((button) => button.addEventListener("click", async () => {
    const source = document.querySelector(button.dataset.copy);
    source.select();
    try { await navigator.clipboard.writeText(source.value); button.textContent = t("copied"); } catch (e) { document.execCommand("copy"); button.textContent = t("copied"); }
  }));
});

// --- contact import progress (the job runs on the server; the page polls it) ---------------

function importProgress(card) {
  const bar = document.getElementById("import-progress");
  const percent = document.getElementById("import-percent");
  const rows = document.getElementById("import-rows");
  const tick = async () => {
    const response = await fetch(card.dataset.status, { headers: { Accept: "application/json" } });
    if (!response.ok) { setTimeout(tick, 2000); return; }
    const job = await response.json();
    bar.value = job.progress;
    percent.textContent = Math.round(job.progress * 100) + "%";
    rows.textContent = String(job.rows);
    if (job.state === "running") { setTimeout(tick, 500); } else { window.location.reload(); }
  };
  if (card.dataset.state === "running") { tick(); }
}

document.addEventListener("DOMContentLoaded", () => {
  const job = document.getElementById("import-job");
  if (job) { importProgress(job); }
});

// --- preflight progress (the templates rendered for the audience on the server) -------------

function preflightProgress(card) {
  const bar = document.getElementById("preflight-progress");
  const tick = async () => {
    const response = await fetch(card.dataset.status, { headers: { Accept: "application/json" } });
    if (!response.ok) { setTimeout(tick, 2000); return; }
    const state = await response.json();
    if (bar) { bar.value = state.progress || 0; }
    if (state.state === "running") { setTimeout(tick, 500); } else { window.location.reload(); }
  };
  if (card.dataset.state === "running") { tick(); }
}

document.addEventListener("DOMContentLoaded", () => {
  const card = document.getElementById("preflight");
  if (card) { preflightProgress(card); }
});
