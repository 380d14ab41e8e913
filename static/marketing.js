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

function typedValue(kind, op, raw) {
  const text = raw.trim();
  if (op === "exists") { return !["false", "no", "0"].includes(text.toLowerCase()); }
  if (op === "within_days" || op === "older_than_days") { return parseInt(text, 10); }
  const scalar = (part) => {
    const t = part.trim();
    if (kind === "age" || kind === "money") { return Number(t); }
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
  const kinds = Object.fromEntries(catalogue.fields.map((f) => [f.name, f.kind]));
  const textarea = form.querySelector("#filter");
  const mode = form.querySelector("#filter-mode");
  const saveFilter = document.getElementById("save-filter");
  const countNode = document.getElementById("live-count");
  const errorNode = document.getElementById("live-error");
  const sampleNode = document.getElementById("live-sample");

  function fieldSelect(selected) {
    const select = el("select", { "aria-label": t("field"), class: "b-field" });
    select.append(option("", "—"));
    const groups = {};
    catalogue.fields.forEach((f) => {
      if (!groups[f.group]) { groups[f.group] = el("optgroup", { label: f.group }); select.append(groups[f.group]); }
      const o = option(f.name, f.label || f.name, f.name === selected);
      if (f.doc) { o.title = f.doc; }
      groups[f.group].append(o);
    });
    return select;
  }

  function row(cond) {
    const node = el("div", { class: "builder-row" });
    const ops = el("select", { "aria-label": t("operator"), class: "b-op" });
    Object.entries(catalogue.ops).forEach(([op, label]) => ops.append(option(op, label, cond && cond.op === op)));
    const value = el("input", { "aria-label": t("value"), class: "b-value", placeholder: t("value_hint") });
    if (cond && cond.value !== undefined) { value.value = Array.isArray(cond.value) ? cond.value.join(", ") : String(cond.value); }
    const remove = el("button", { type: "button", class: "link", "aria-label": t("remove_condition") }, "✕");
    remove.addEventListener("click", () => { node.remove(); changed(); });
    node.append(fieldSelect(cond && cond.field), ops, value, remove);
    return node;
  }

  function group(kind, items) {
    const node = el("div", { class: "builder-group" });
    const head = el("div", { class: "builder-head" });
    const combinator = el("select", { "aria-label": t("combine"), class: "b-combinator" });
    ["all", "any", "none"].forEach((k) => combinator.append(option(k, (catalogue.groups || {})[k] || k, k === kind)));
    head.append(t("persons_matching") + " ", combinator);
    const body = el("div", { class: "builder-body" });
    const tools = el("div", { class: "builder-tools" });
    const addRow = el("button", { type: "button", class: "b-add-row" }, t("add_condition"));
    const addGroup = el("button", { type: "button", class: "b-add-group" }, t("add_group"));
    addRow.addEventListener("click", () => { body.append(row(null)); });
    addGroup.addEventListener("click", () => { body.append(group("any", [])); });
    tools.append(addRow, addGroup);
    if (host.childElementCount) {
      const remove = el("button", { type: "button", class: "link", "aria-label": t("remove_group") }, t("remove_group"));
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

  function toFilter(node) {
    if (node.classList.contains("builder-row")) {
      const field = node.querySelector(".b-field").value;
      if (!field) { return null; }
      const op = node.querySelector(".b-op").value;
      return { field, op, value: typedValue(kinds[field] || "text", op, node.querySelector(".b-value").value) };
    }
    const kind = node.querySelector(".b-combinator").value;
    const items = Array.from(node.querySelector(".builder-body").children).map(toFilter).filter(Boolean);
    if (!items.length) { return null; }
    if (kind === "none") { return { not: { any: items } }; }
    return kind === "any" ? { any: items } : { all: items };
  }

  let initial = null;
  try { initial = textarea.value.trim() ? JSON.parse(textarea.value) : null; } catch (e) { initial = null; }
  if (initial && !initial.all && !initial.any && !initial.not) { initial = { all: [initial] }; }
  host.append(initial ? fromFilter(initial.not ? initial : initial) : group("all", []));
  host.hidden = false;
  form.querySelector("#plain-rows").hidden = true;
  mode.value = "json";

  const refresh = debounce(async () => {
    const filter = toFilter(host.firstElementChild) || {};
    const text = JSON.stringify(filter);
    textarea.value = text;
    if (saveFilter) { saveFilter.value = text; }
    const response = await fetch("/segments/count?filter=" + encodeURIComponent(text), { headers: { Accept: "application/json" } });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      errorNode.textContent = (data.error && data.error.message) || t("cannot_count");
      return;
    }
    errorNode.textContent = "";
    countNode.textContent = NUMBER.format(data.count);
    sampleNode.replaceChildren(...data.sample.map((p) => el("li", {}, el("a", { href: "/people/" + encodeURIComponent(p.id) }, p.name || t("no_name")))));
  }, 300);
  function changed() { refresh(); }
  host.addEventListener("input", changed);
  host.addEventListener("change", changed);
  host.addEventListener("click", (event) => { if (event.target.matches(".b-add-row, .b-add-group")) { changed(); } });
  textarea.addEventListener("change", () => {
    try {
      const parsed = JSON.parse(textarea.value || "{}");
      host.replaceChildren(Object.keys(parsed).length ? fromFilter(parsed.field ? { all: [parsed] } : parsed) : group("all", []));
      changed();
    } catch (e) { errorNode.textContent = t("bad_json"); }
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
