"""Lighthouse-style figures for the storefront on a phone: transfer size, requests, LCP.

Against a running shop (``make run``, or any URL): Debian's Chromium through
Playwright, a 390x844 phone (mobile, touch), a cold cache for every load, each page
loaded ``--repeat`` times; prints the median of each figure. Transfer size is the sum
of the responses' Content-Length (compressed where the shop compressed), else their
bodies.

    .venv/bin/python bench/page_weight.py [--base http://127.0.0.1:8000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import urllib.request

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
LCP_SCRIPT = """() => new Promise(resolve => {
  let last = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) last = entry.startTime;
  }).observe({type: "largest-contentful-paint", buffered: true});
  setTimeout(() => resolve(last), 1500);
})"""


def _first_product_url(base: str) -> str:
    """The first product page's URL in the sitemap the shop publishes."""
    with urllib.request.urlopen(f"{base}/sitemap.xml", timeout=30) as response:
        text = response.read().decode()
    return re.search(r"<loc>([^<]*/products/[^<]*)</loc>", text).group(1)


def measure(page, url: str) -> tuple[int, int, float]:  # noqa: ANN001 - a Playwright page
    sizes: list[int] = []

    def on_response(response) -> None:  # noqa: ANN001
        length = response.headers.get("content-length")
        try:
            sizes.append(int(length) if length else len(response.body()))
        except Exception:  # noqa: BLE001 - a redirect or an aborted response has no body
            sizes.append(0)

    page.on("response", on_response)
    page.goto(url, wait_until="load")
    lcp = page.evaluate(LCP_SCRIPT)
    page.remove_listener("response", on_response)
    return sum(sizes), len(sizes), float(lcp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    pages = {
        "home": f"{base}/",
        "results (q=black shoes)": f"{base}/?q=black+shoes",
        "product": _first_product_url(base),
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        print(f"{'page':26} {'transfer KB':>12} {'requests':>9} {'LCP ms':>8}")
        for name, url in pages.items():
            runs = []
            for _ in range(args.repeat):
                context = browser.new_context(
                    viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
                )
                runs.append(measure(context.new_page(), url))
                context.close()
            size = statistics.median(r[0] for r in runs) / 1024
            requests = statistics.median(r[1] for r in runs)
            lcp = statistics.median(r[2] for r in runs)
            print(f"{name:26} {size:12.1f} {requests:9.0f} {lcp:8.0f}")
        browser.close()


if __name__ == "__main__":
    main()
