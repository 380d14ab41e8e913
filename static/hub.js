// Hub staff UI: progressive enhancement only; every page works without this file.
"use strict";

function parse(html) {
  const template = document.createElement("template");
  template.innerHTML = html; // server-rendered, escaped and sanitised; CSP forbids inline script
  return template.content;
}

function wireOlder(root) {
  root.querySelectorAll("a.older[data-fragment]").forEach((link) => {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      const item = link.closest("li");
      const response = await fetch(link.dataset.fragment, { headers: { Accept: "text/html" } });
      if (!response.ok) { window.location = link.href; return; }
      const content = parse(await response.text());
      const list = item.parentElement;
      item.remove();
      list.appendChild(content);
      wireOlder(list);
    });
  });
}

function liveTimeline(list) {
  const first = list.querySelector("li.event");
  const url = list.dataset.live + (first ? "?last=" + encodeURIComponent(first.dataset.id) : "");
  const source = new EventSource(url);
  source.addEventListener("events", (message) => {
    const data = JSON.parse(message.data);
    const content = parse(data.html);
    content.querySelectorAll("li.event").forEach((li) => {
      if (document.getElementById(li.id)) { li.remove(); } else { li.classList.add("fresh"); }
    });
    const empty = list.querySelector("li.muted");
    if (empty) { empty.remove(); }
    list.insertBefore(content, list.firstChild);
  });
}

function liveInbox(table) {
  const source = new EventSource(table.dataset.live);
  source.addEventListener("inbox", (message) => {
    const body = table.querySelector("tbody");
    body.replaceChildren(parse(JSON.parse(message.data).html));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  wireOlder(document);
  const list = document.querySelector("ol.events[data-live]");
  if (list && window.EventSource) { liveTimeline(list); }
  const inbox = document.querySelector("table[data-live]:not(.inbox)");
  if (inbox && window.EventSource) { liveInbox(inbox); }
});
