"""Take the README's screenshots from a running `make run` (default port 8000).

.venv/bin/python scripts/screenshots.py [BASE_URL]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "plc-demo-2026"  # noqa: S105 - the printed demo password


def log_in(browser, base_url, email):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    return page


def shoot(page, name, *, full_page=False):
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    print(OUT / f"{name}.png")


def main(base_url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
            ],
        )
        page = log_in(browser, base_url, "principal@stevenson.example")
        shoot(page, "principal-home")
        page.get_by_role("link", name="Dashboard", exact=True).click()
        shoot(page, "principal-dashboard")
        pyramid = page.locator("section[aria-labelledby=pyramid]")
        pyramid.screenshot(path=str(OUT / "principal-dashboard-pyramid.png"))
        page.locator("table a[href*='measure=tier&tier=core']").first.click()
        shoot(page, "principal-dashboard-drilldown")
        page = log_in(browser, base_url, "admin@lakeside.example")
        page.goto(f"{base_url}/district/")
        shoot(page, "district-dashboard")
        page = log_in(browser, base_url, "teacher@stevenson.example")
        shoot(page, "teacher-home")
        page.locator("section[aria-labelledby=results-to-enter] a").first.click()
        shoot(page, "entry-grid")
        page.get_by_role("link", name="Algebra 1 team").first.click()
        shoot(page, "team-workspace")
        page.get_by_role("link", name="Assessments", exact=True).last.click()
        page.wait_for_load_state("networkidle")
        page.locator("#final-heading ~ div a, #final-heading + * a").first.click()
        page.get_by_role("link", name="Team data").first.click()
        shoot(page, "data-page")
        page = log_in(browser, base_url, "counselor@stevenson.example")
        page.goto(f"{base_url}/interventions/caseload/")
        shoot(page, "caseload")
        page.locator("table.caseload tbody th a").first.click()
        shoot(page, "case", full_page=True)
        page.get_by_role("link", name="Student record").click()
        shoot(page, "student-story", full_page=True)
        story_url = page.url
        page = log_in(browser, base_url, "principal@stevenson.example")
        page.goto(story_url)
        page.get_by_role("link", name="Record of access").click()
        shoot(page, "student-access-record")
        page = log_in(browser, base_url, "principal@stevenson.example")
        page.goto(f"{base_url}/interventions/ladder/")
        shoot(page, "ladder")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
