// The service inbox: live rows, keyboard shortcuts, "all N matching", canned responses.
// Progressive enhancement only: every action is a plain form that works without this file.
"use strict";

function inboxParse(html) {
  const template = document.createElement("template");
  template.innerHTML = html; // server-rendered and escaped; CSP forbids inline script
  return template.content;
}

function inboxRows() {
  return Array.from(document.querySelectorAll("#inbox-rows tr.conv"));
}

function focusRow(row) {
  if (!row) { return; }
  inboxRows().forEach((r) => r.classList.remove("focused"));
  row.classList.add("focused");
  row.focus();
}

function focusedRow() {
  return document.querySelector("#inbox-rows tr.conv.focused");
}

function liveRows(table) {
  const source = new EventSource(table.dataset.live);
  source.addEventListener("inbox", async () => {
    const response = await fetch(table.dataset.rows, { headers: { Accept: "text/html" } });
    if (!response.ok) { return; }
    const ticked = new Set(Array.from(document.querySelectorAll("#inbox-rows input[name=ids]:checked")).map((i) => i.value));
    const focused = focusedRow();
    const known = new Set(inboxRows().map((r) => r.dataset.id));
    const body = table.querySelector("tbody");
    body.replaceChildren(inboxParse(await response.text()));
    inboxRows().forEach((row) => {
      if (!known.has(row.dataset.id)) { row.classList.add("fresh"); }
      const box = row.querySelector("input[name=ids]");
      if (box && ticked.has(box.value)) { box.checked = true; }
      if (focused && row.dataset.id === focused.dataset.id) { row.classList.add("focused"); }
    });
  });
}

function shortcuts() {
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) { return; }
    const rows = inboxRows();
    if (!rows.length) { return; }
    const current = focusedRow();
    const index = current ? rows.indexOf(current) : -1;
    if (event.key === "j") { focusRow(rows[Math.min(index + 1, rows.length - 1)]); event.preventDefault(); }
    else if (event.key === "k") { focusRow(rows[Math.max(index - 1, 0)]); event.preventDefault(); }
    else if (event.key === "Enter" && current) { current.querySelector("a.open").click(); event.preventDefault(); }
    else if (event.key === "a" && current) { const b = current.querySelector("button.act-assign"); if (b) { b.click(); } event.preventDefault(); }
    else if (event.key === "e" && current) { const b = current.querySelector("button.act-resolve"); if (b) { b.click(); } event.preventDefault(); }
  });
}

function cannedResponses() {
  const select = document.getElementById("canned");
  if (!select) { return; }
  select.addEventListener("change", () => {
    const area = document.getElementById(select.dataset.target);
    if (select.value && area) { area.value = select.value; area.focus(); }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const table = document.querySelector("table.inbox[data-live]");
  if (table && window.EventSource) { liveRows(table); }
  if (table) { shortcuts(); }
  cannedResponses();
});
