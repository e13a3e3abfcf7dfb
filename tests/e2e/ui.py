"""What a person does on the app, as WebDriver steps: find by data-testid,
tap, type, log in and out, report, sync, open a case, take a step. Every
wait is bounded and leaves a screenshot when it runs out."""

import time

from selenium.common.exceptions import (ElementClickInterceptedException, ElementNotInteractableException,
                                        NoSuchElementException, StaleElementReferenceException)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

TIMEOUT = 30
PASSWORD = "gridpatrol"


def find(app, testid, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while True:
        try:
            el = app.driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')
            if el.is_displayed() or el.tag_name == "input":
                return el
        except (NoSuchElementException, StaleElementReferenceException):
            pass
        if time.time() > deadline:
            app.shot(f"missing-{testid}")
            raise AssertionError(f"{app.name}: no element {testid}")
        time.sleep(0.2)


def present(app, testid):
    """Whether the element is on screen now (no waiting)."""
    els = app.driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')
    try:
        return any(e.is_displayed() for e in els)
    except StaleElementReferenceException:
        return False


def settle(app, el, limit=2.0):
    """Waits until the element stops moving: a tap on a sheet still sliding
    in lands beside its target."""
    rect = "const r = arguments[0].getBoundingClientRect(); return [r.x, r.y, r.width, r.height]"
    last, deadline = None, time.time() + limit
    while time.time() < deadline:
        now = app.driver.execute_script(rect, el)
        if now == last:
            return
        last = now
        time.sleep(0.1)


def click(app, testid, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while True:
        try:
            el = find(app, testid, timeout)
            settle(app, el)
            try:
                el.click()
            except (ElementClickInterceptedException, ElementNotInteractableException):
                # Below the fold or under the bottom bar: bring it to the middle first.
                app.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
                el.click()
            return
        except (ElementClickInterceptedException, ElementNotInteractableException, StaleElementReferenceException):
            if time.time() > deadline:
                app.shot(f"unclickable-{testid}")
                raise
            time.sleep(0.2)


def type_into(app, testid, text):
    el = find(app, testid)
    app.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    # clear() does not reach Vue's model; select-all + delete does.
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.BACKSPACE)
    el.send_keys(text)


def wait_for(app, what, predicate, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except (NoSuchElementException, StaleElementReferenceException, AssertionError):
            pass
        time.sleep(0.25)
    app.shot(f"timeout-{what.replace(' ', '-')}")
    raise AssertionError(f"{app.name}: timed out waiting for {what}")


def attr(app, testid, name):
    return find(app, testid).get_attribute(name)


def go(app, route):
    """Opens a route of the app's router (hash history)."""
    app.driver.execute_script("window.location.hash = arguments[0]", route)


def login(app, server, username, password=PASSWORD):
    find(app, "login-page")
    type_into(app, "login-server", server)
    type_into(app, "login-username", username)
    type_into(app, "login-password", password)
    click(app, "login-submit")
    find(app, "today-page")


def logout(app):
    go(app, "/settings")
    click(app, "logout")
    click(app, "logout-confirm")
    find(app, "login-page")


def sync(app):
    """Presses "sync now" and waits for a clean result."""
    go(app, "/sync")
    click(app, "sync-now")
    wait_for(app, "sync result", lambda: attr(app, "sync-result", "data-result") == "ok", 90)


def case_rows(app):
    return app.driver.find_elements(By.CSS_SELECTOR, '[data-testid^="case-row-"]')


def case_ids(app):
    go(app, "/cases")
    find(app, "cases-page")
    time.sleep(0.5)
    return [r.get_attribute("data-testid").removeprefix("case-row-") for r in case_rows(app)]


def pick_category(app, category="E0201", search="小广告"):
    """Opens the category picker, searches and picks; taps again if a tap
    landed while the sheet was still sliding in."""
    click(app, "category-field")
    find(app, "category-popup")
    type_into(app, "category-search", search)
    for _ in range(3):
        click(app, f"category-option-{category}")
        deadline = time.time() + 5
        while time.time() < deadline:
            if not present(app, "category-popup"):
                return
            time.sleep(0.2)
    app.shot(f"category-not-picked-{category}")
    raise AssertionError(f"{app.name}: category {category} not picked")


def report(app, description, category="E0201", search="小广告", photo=None, on_spot=False, after_photo=None,
           expect_hint=None):
    """Reports a problem from the Today screen (inside the running patrol,
    if one runs); returns the new case's id. `expect_hint`: the case the
    duplicate hint must show before saving anyway."""
    before = set(case_ids(app))
    go(app, "/today")
    click(app, "today-report")
    find(app, "report-page")
    if photo is not None:
        find(app, "photo-input").send_keys(str(photo))
        wait_for(app, "photo staged", lambda: attr(app, "photo-input-item-0", "data-status") == "ready")
    pick_category(app, category, search)
    type_into(app, "description-input", description)
    if on_spot:
        click(app, "handled-on-spot")
        if after_photo is not None:
            find(app, "after-photo-input").send_keys(str(after_photo))
            wait_for(app, "after photo staged", lambda: attr(app, "after-photo-input-item-0", "data-status") == "ready")
    if expect_hint is not None:
        find(app, f"nearby-{expect_hint}")
        app.shot("duplicate-hint")
    click(app, "save-case")
    wait_for(app, "report saved", lambda: not present(app, "report-page"))
    new = [c for c in case_ids(app) if c not in before]
    assert len(new) == 1, f"{app.name}: {len(new)} new cases after one report"
    return new[0]


def open_case(app, case_id):
    go(app, f"/cases/{case_id}")
    find(app, "case-detail")


def status(app):
    return attr(app, "case-status", "data-status")


def act(app, kind, note="", department=None, photo=None, also_close=None):
    """Takes a step on the open case through its action sheet."""
    click(app, f"action-{kind}")
    find(app, "action-dialog")
    if note:
        type_into(app, "action-note", note)
    if department:
        click(app, f"dept-option-{department}")
    if photo is not None:
        find(app, "action-photo-input").send_keys(str(photo))
        wait_for(app, "photo staged", lambda: attr(app, "action-photo-input-item-0", "data-status") == "ready")
    if also_close is not None:
        box = find(app, "verify-and-close")
        if (box.get_attribute("aria-checked") == "true") != also_close:
            box.click()
    click(app, "action-confirm")
    wait_for(app, f"{kind} taken", lambda: not present(app, "action-dialog"))


def timeline_kinds(app):
    return [e.get_attribute("data-kind") for e in
            app.driver.find_elements(By.CSS_SELECTOR, '[data-testid^="timeline-entry-"]')]


def actions(app):
    """The workflow steps the open case offers this user."""
    return [b.get_attribute("data-testid").removeprefix("action-") for b in
            app.driver.find_elements(By.CSS_SELECTOR, '[data-testid="case-actions"] [data-testid^="action-"]')]


def add_evidence(app, note, photo=None):
    """Adds a note (and a photo) to the open case: 补充, a timeline entry of its own."""
    type_into(app, "evidence-note", note)
    if photo is not None:
        find(app, "add-photo-input").send_keys(str(photo))
        wait_for(app, "photo staged", lambda: attr(app, "add-photo-input-item-0", "data-status") == "ready")
    click(app, "evidence-confirm")
    wait_for(app, "evidence added", lambda: "evidence_added" in timeline_kinds(app))


def choose(app, testid, value):
    """Picks an option of a native <select> by its value."""
    from selenium.webdriver.support.ui import Select
    el = find(app, testid)
    app.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    Select(el).select_by_value(value)
