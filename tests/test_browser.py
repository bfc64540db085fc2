"""The web pages in headless Chromium (Debian's ``chromium`` + ``chromium-driver``), driven by Selenium.

The real app serves the fixture data on loopback; the browser follows the search-to-detail path,
looks at the municipality page's map and chart and the SPARQL page's result table, saves a
screenshot of each, and checks accessibility basics on every page it visits.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from api.app import create_app
from tests.fixtures.api.support import LiveServer, api_settings, fixture_store

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"headless Chromium is not installed at {CHROMIUM} "
                                                     "(Debian: apt-get install chromium chromium-driver)"),
]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1200,900", "--lang=en-GB"]
WAIT = 15  # seconds


@pytest.fixture(scope="module")
def server():
    app = create_app(api_settings(), fixture_store())
    with LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    assert CHROMEDRIVER.exists(), f"Chromium is installed but its driver is not at {CHROMEDRIVER} (apt: chromium-driver)"
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    # an explicit driver path: Selenium never fetches a driver or browser of its own
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def screenshot(driver, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    assert driver.save_screenshot(str(path))
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 2000, f"empty screenshot {path}"
    return path


def wait_for(driver, css: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, WAIT).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


# everything the accessibility check needs, gathered in the page in one call
A11Y_SCRIPT = """
const labelled = el => (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`))
    || el.closest('label') || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
const fields = [...document.querySelectorAll('input, select, textarea')]
    .filter(el => !['hidden', 'submit', 'button', 'reset'].includes((el.type || '').toLowerCase()));
return {
  lang: document.documentElement.getAttribute('lang'),
  title: document.title,
  unlabelled: fields.filter(el => !labelled(el)).map(el => el.outerHTML.slice(0, 120)),
  headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1])),
  charts: [...document.querySelectorAll('svg')].map(s => ({
      role: s.getAttribute('role'), label: s.getAttribute('aria-label'),
      title: (s.querySelector('title') || {}).textContent || ''})),
  images_without_alt: [...document.querySelectorAll('img:not([alt])')].map(i => i.src),
  external: [...document.querySelectorAll('script[src], link[href][rel=stylesheet], img[src]')]
      .map(e => e.src || e.href).filter(u => new URL(u, location.href).host !== location.host),
};
"""


def check_accessibility(driver) -> dict:
    found = driver.execute_script(A11Y_SCRIPT)
    assert found["lang"] in ("en", "nl"), f"{driver.current_url}: <html lang> is {found['lang']!r}"
    assert found["title"].strip()
    assert not found["unlabelled"], f"{driver.current_url}: form fields without a label: {found['unlabelled']}"
    levels = found["headings"]
    assert levels and levels[0] == 1 and levels.count(1) == 1, f"{driver.current_url}: headings {levels}"
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"{driver.current_url}: heading level jumps from h{before} to h{after}"
    for chart in found["charts"]:
        assert chart["role"] == "img" and (chart["label"] or "").strip() and chart["title"].strip(), \
            f"{driver.current_url}: a chart without role=img, aria-label and title: {chart}"
    assert not found["images_without_alt"]
    assert not found["external"], f"{driver.current_url}: external assets {found['external']}"
    return found


def test_search_then_click_through_to_the_collective(server, browser, shots):
    from selenium.webdriver.common.by import By
    browser.get(server.url + "/")
    check_accessibility(browser)
    screenshot(browser, shots, "home")
    field = browser.find_element(By.ID, "q")
    field.send_keys("cooperatie voorbeelddorp")  # no accent, other case: still found
    field.submit()
    wait_for(browser, "main table")
    assert "/collectives" in browser.current_url
    check_accessibility(browser)
    screenshot(browser, shots, "results")
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "main table tbody tr td:first-child a")]
    assert names == ["Energiecoöperatie Voorbeelddorp"]
    browser.find_element(By.LINK_TEXT, "Energiecoöperatie Voorbeelddorp").click()
    wait_for(browser, "h1")
    assert browser.current_url.endswith("/collectives/c-fixture00001")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Energiecoöperatie Voorbeelddorp"
    found = check_accessibility(browser)
    screenshot(browser, shots, "collective")

    # facts with their sources: the KvK number, read from the fixture source's page
    facts = browser.find_element(By.XPATH, "//h2[text()='Facts and their sources']/following-sibling::table[1]")
    rows = [[td for td in tr.find_elements(By.TAG_NAME, "td")] for tr in facts.find_elements(By.CSS_SELECTOR, "tbody tr")]
    kvk = [r for r in rows if r[1].text == "99000001"]
    assert kvk, "the KvK number is not among the facts"
    source = kvk[0][2].find_element(By.TAG_NAME, "a")
    assert source.text == "fixture"
    assert source.get_attribute("href") == "https://voorbeelddorp-energie.example.org/over-ons"

    # indicators as small charts, partnerships listed
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.indicator svg[role=img]")
    assert len(charts) == 2
    assert any(c["label"].startswith("Members: 2019-12-31 120") for c in found["charts"])
    partners = browser.find_element(By.XPATH, "//h2[text()='Partnerships']/following-sibling::table[1]")
    assert "Zorgcoöperatie Proefstad" in partners.text and "Land or roof lease" in partners.text


def test_superseded_id_lands_on_the_survivor(server, browser):
    browser.get(server.url + "/collectives/c-fixture00009")
    wait_for(browser, "h1")
    assert browser.current_url.endswith("/collectives/c-fixture00001")


def test_municipality_page_has_map_and_sector_chart(server, browser, shots):
    from selenium.webdriver.common.by import By
    browser.get(server.url + "/municipalities/gm9901")
    wait_for(browser, "h1")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Voorbeelddorp"
    found = check_accessibility(browser)
    screenshot(browser, shots, "municipality")
    labels = [c["label"] for c in found["charts"]]
    assert "Collectives by sector" in labels and "Collectives in Voorbeelddorp" in labels
    chart = browser.find_element(By.CSS_SELECTOR, "svg[aria-label='Collectives by sector']")
    bars = chart.find_elements(By.CSS_SELECTOR, "rect.bar")
    assert len(bars) == 3  # energy, care, food
    assert all(float(b.get_attribute("width")) > 0 for b in bars)
    points = browser.find_elements(By.CSS_SELECTOR, "svg[aria-label='Collectives in Voorbeelddorp'] circle.point")
    assert len(points) == 1 and points[0].is_displayed()
    assert points[0].rect["width"] > 0


def test_sparql_page_runs_an_example_into_a_table(server, browser, shots):
    from selenium.webdriver.common.by import By
    browser.get(server.url + "/sparql")
    wait_for(browser, "textarea#query")
    check_accessibility(browser)
    example = browser.find_elements(By.CSS_SELECTOR, "main details")[0]
    example.find_element(By.TAG_NAME, "summary").click()
    assert "Collectives by sector" in example.text
    example.find_element(By.XPATH, ".//button[normalize-space()='Run (table)']").click()
    table = wait_for(browser, "table")
    assert browser.find_element(By.ID, "results").text == "3 results"
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers == ["sector", "label", "collectives"]
    cells = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert sorted(int(row[2]) for row in cells) == [1, 2, 2]
    check_accessibility(browser)
    screenshot(browser, shots, "sparql-results")


def test_sparql_page_runs_the_edited_query(server, browser):
    from selenium.webdriver.common.by import By
    browser.get(server.url + "/sparql")
    area = wait_for(browser, "textarea#query")
    area.clear()
    area.send_keys("PREFIX schema: <http://schema.org/>\nSELECT ?name WHERE { ?c schema:name ?name } ORDER BY ?name LIMIT 2")
    browser.find_element(By.CSS_SELECTOR, "select#format option[value=html]").click()
    browser.find_element(By.XPATH, "//form[@method='post']//button[@type='submit']").click()
    wait_for(browser, "table")
    assert browser.find_element(By.ID, "results").text == "2 results"


def test_stats_page_charts_are_labelled(server, browser, shots):
    browser.get(server.url + "/stats/summary")
    wait_for(browser, "h1")
    check_accessibility(browser)
    screenshot(browser, shots, "stats")
