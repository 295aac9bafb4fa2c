// The shopping assistant panel (shop/assistant). An enhancement only: without it the
// form posts and the page opens at the newest answer (#assistant-latest).
//
// An answer swaps the panel's body, never the panel, so a phone's open sheet stays
// open; then the newest answer takes the focus and is scrolled into view, inside the
// panel (a phone's sheet, a laptop's sticky column) and on the page.
(() => {
  function showLatest({ focus }) {
    const panel = document.getElementById("assistant");
    const latest = document.getElementById("assistant-latest");
    if (!panel || !latest) return;
    if (panel.scrollHeight > panel.clientHeight) {
      const offset = latest.getBoundingClientRect().top - panel.getBoundingClientRect().top;
      panel.scrollTop += offset - 8;
    }
    const top = latest.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight - 80) latest.scrollIntoView({ block: "start" });
    if (focus) latest.focus({ preventScroll: true });
  }

  document.addEventListener("htmx:afterSettle", (event) => {
    const path = event.detail?.pathInfo?.requestPath || "";
    if (!path.includes("/assistant/")) return;
    // An error is said where the shopper is typing; an answer takes the focus itself.
    const error = document.querySelector("#assistant [data-testid=assistant-error]");
    if (error) {
      error.focus();
    } else if (document.getElementById("assistant-latest")) {
      showLatest({ focus: true });
    } else {
      document.getElementById("assistant-message")?.focus(); // started over
    }
  });

  // A page opened with a conversation shows its newest answer, not the oldest.
  document.addEventListener("DOMContentLoaded", () => showLatest({ focus: false }));
})();
