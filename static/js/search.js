// Threadline storefront: error swaps in the target, the header autocomplete, the phone
// assistant drawer. Everything here is an enhancement: without it the pages still work.
document.documentElement.classList.add("js");

// With DEBUG on, django-htmx's debug script replaces the whole page with any 400/403/404
// answer to an HTMX request. The shop's own 4xx answers are fragments meant for their
// target (a bad photo, an empty message): hide them from that script (this capturing
// listener runs before its bubbling one) and let htmx swap them in place. Django's full
// debug pages (a whole document) still get shown whole.
document.addEventListener("htmx:beforeOnLoad", (event) => {
  const xhr = event.detail.xhr;
  if (xhr && xhr.status >= 400 && xhr.status < 500 && !/^\s*<(!doctype|html)/i.test(xhr.responseText)) {
    event.stopPropagation();
  }
}, true);

// Autocomplete: a combobox (the search box) and its listbox of suggestions.
(() => {
  const box = () => document.getElementById("header-q");
  const list = () => document.getElementById("suggestions");
  const options = () => [...(list()?.querySelectorAll('[role="option"]') ?? [])];
  const close = () => {
    const l = list();
    if (l) l.innerHTML = "";
    box()?.setAttribute("aria-expanded", "false");
    box()?.removeAttribute("aria-activedescendant");
  };
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.target.id !== "suggestions") return;
    box()?.setAttribute("aria-expanded", options().length ? "true" : "false");
    box()?.removeAttribute("aria-activedescendant");
  });
  document.addEventListener("keydown", (event) => {
    const input = box();
    if (event.target !== input) return;
    const all = options();
    if (event.key === "Escape") { close(); return; }
    if (!all.length) return;
    let i = all.findIndex((o) => o.getAttribute("aria-selected") === "true");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      i = event.key === "ArrowDown" ? (i + 1) % all.length : (i <= 0 ? all.length - 1 : i - 1);
      all.forEach((o, j) => o.setAttribute("aria-selected", j === i ? "true" : "false"));
      input.setAttribute("aria-activedescendant", all[i].id);
    } else if (event.key === "Enter" && i >= 0) {
      event.preventDefault();
      window.location.assign(all[i].querySelector("a").href);
    }
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest?.(".combobox")) close();
  });
})();

// Phones: the assistant opens from a header button as a sheet.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest?.("[data-assistant-toggle]");
  if (!toggle) return;
  const panel = document.getElementById("assistant");
  if (!panel) return;
  const open = !panel.classList.contains("assistant-open");
  panel.classList.toggle("assistant-open", open);
  document.querySelectorAll("[data-assistant-toggle]").forEach((b) => b.setAttribute("aria-expanded", String(open)));
  if (open) panel.querySelector("textarea, input, button")?.focus();
});
