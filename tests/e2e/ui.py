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


def click(app, testid, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while True:
        try:
            find(app, testid, timeout).click()
            return
        except (ElementClickInterceptedException, ElementNotInteractableException, StaleElementReferenceException):
            if time.time() > deadline:
                app.shot(f"unclickable-{testid}")
                raise
            time.sleep(0.2)


def type_into(app, testid, text):
    el = find(app, testid)
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


def report(app, description, category="E0201", search="小广告", photo=None, on_spot=False):
    """Reports a problem from the Today screen; returns the new case's id."""
    before = set(case_ids(app))
    go(app, "/today")
    click(app, "today-report")
    find(app, "report-page")
    if photo is not None:
        find(app, "photo-input").send_keys(str(photo))
        wait_for(app, "photo staged", lambda: attr(app, "photo-input-item-0", "data-status") == "ready")
    click(app, "category-field")
    type_into(app, "category-search", search)
    click(app, f"category-option-{category}")
    type_into(app, "description-input", description)
    if on_spot:
        click(app, "handled-on-spot")
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
