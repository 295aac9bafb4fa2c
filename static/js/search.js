// Threadline storefront: error swaps in the target, the header autocomplete, the phone
// filter sheet, department menus, focus after swaps, the phone assistant drawer. Everything here is an enhancement: without it the pages still work.
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
    if (document.activeElement !== box()) { close(); return; }
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
  // A submitted search closes the list (it would stay open over the new results).
  document.addEventListener("submit", (event) => {
    if (event.target.closest?.(".search-form")) { close(); box()?.blur(); }
  }, true);
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.target.id === "header-q") {
      // A suggestion asked for (250 ms after typing) once the search is submitted: not wanted.
      if (document.activeElement !== event.target) event.preventDefault();
    } else if (event.target.closest?.(".search-form")) close();
  });
})();

// The header is sticky and its height changes with the width: the filter bar sticks below it.
(() => {
  const measure = () => {
    const header = document.querySelector(".site-header");
    if (header) document.documentElement.style.setProperty("--header-h", `${header.offsetHeight}px`);
  };
  document.addEventListener("DOMContentLoaded", () => {
    measure();
    if (window.ResizeObserver) new ResizeObserver(measure).observe(document.querySelector(".site-header"));
  });
})();

// Phones: the filters are a sheet. The server renders the <details> closed; here it is
// opened on wider screens (a sidebar), and on phones stays closed until asked for, then open
// (scrolled where it was) while each change updates the results and the "Show N results"
// count behind it.
(() => {
  const phone = window.matchMedia("(max-width: 799px)");
  const sheet = () => document.getElementById("filter-sheet");
  let wanted = false;
  let scrolled = 0;
  const settle = () => {
    const details = sheet();
    if (!details) return;
    details.open = phone.matches ? wanted : true;
    const body = details.querySelector(".sheet-body");
    if (body && wanted) body.scrollTop = scrolled;
  };
  document.addEventListener("DOMContentLoaded", settle);
  phone.addEventListener?.("change", settle);
  // The shopper's wish, from their taps on the bar (the parser's own toggle events, which
  // come before DOMContentLoaded, say nothing about it).
  document.addEventListener("click", (event) => {
    const bar = event.target.closest?.("#filter-sheet > summary");
    if (bar && phone.matches) wanted = !bar.parentElement.open;
  });
  document.addEventListener("htmx:beforeSwap", () => {
    scrolled = sheet()?.querySelector(".sheet-body")?.scrollTop ?? 0;
  });
  document.addEventListener("htmx:afterSwap", settle);
  const shut = () => {
    wanted = false;
    const details = sheet();
    if (details && phone.matches) details.open = false;
    details?.querySelector("summary")?.focus({ preventScroll: true });
  };
  document.addEventListener("click", (event) => {
    if (event.target.closest?.("[data-sheet-close]")) { shut(); return; }
    // The results behind the sheet are already up to date: showing them closes the sheet.
    if (event.target.closest?.("[data-sheet-apply]") && phone.matches) {
      event.preventDefault();
      shut();
      window.scrollTo({ top: 0 });
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && phone.matches && sheet()?.open) shut();
  });
})();

// Department menus: one open at a time, closed by a click elsewhere or Escape.
(() => {
  const menus = () => document.querySelectorAll(".department-menu[open]");
  document.addEventListener("toggle", (event) => {
    const menu = event.target;
    if (!menu.classList?.contains("department-menu") || !menu.open) return;
    menus().forEach((other) => { if (other !== menu) other.open = false; });
  }, true);
  document.addEventListener("click", (event) => {
    if (!event.target.closest?.(".department-menu")) menus().forEach((m) => { m.open = false; });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    menus().forEach((m) => { m.open = false; m.querySelector("summary")?.focus(); });
  });
})();

// After a swap, focus goes where the new content asks (an "Added to your bag" note, an
// error), not to <body>.
// (htmx:load fires on the new content itself: an outerHTML swap's old target is detached.)
document.addEventListener("htmx:load", (event) => {
  const root = event.target;
  const target = root.matches?.("[data-swap-focus]") ? root : root.querySelector?.("[data-swap-focus]");
  if (!target) return;
  target.removeAttribute("data-swap-focus");
  target.focus();
});

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
