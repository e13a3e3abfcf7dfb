"""The whole loop on the real app, as people would use it: a grid worker
logs in, patrols, reports a case with a real photo, syncs; the grid
leader's app (its own data folder) syncs, sees the case and its photo,
escalates it; the worker syncs and sees the new status. Screenshots at
phone size go to tests/artifacts/."""

from selenium.webdriver.common.by import By

from conftest import photos_dir

from ui import case_ids, click, find, go, login, pick_category, sync, type_into, wait_for


def test_patrol_report_sync_escalate(server, make_app):
    worker = make_app("worker")
    login(worker, server, "worker1")
    # The server is shared by the whole suite: worker1's earlier cases come down at login.
    sync(worker)
    before = set(case_ids(worker))
    go(worker, "/today")
    worker.shot("01-today")

    # A morning patrol in worker1's single grid starts with one tap.
    click(worker, "start-morning")
    find(worker, "patrol-page")
    click(worker, "street-0")
    wait_for(worker, "street checked", lambda: find(worker, "street-0").get_attribute("data-checked") == "true")
    worker.shot("02-patrol")

    # Report a problem with a real photo.
    click(worker, "report-problem")
    find(worker, "report-page")
    find(worker, "photo-input").send_keys(str(photos_dir() / "gps_DSCN0010.jpg"))
    wait_for(worker, "photo staged",
             lambda: find(worker, "photo-input-item-0").get_attribute("data-status") == "ready")
    pick_category(worker)
    type_into(worker, "description-input", "电线杆上贴满小广告，约二十张")
    worker.shot("03-report")
    click(worker, "save-case")
    find(worker, "patrol-page")

    click(worker, "end-patrol")
    click(worker, "end-patrol-confirm")
    find(worker, "patrol-summary")
    assert "1" in find(worker, "summary-cases-found").text
    worker.shot("04-summary")
    click(worker, "summary-done")
    # It is in the case list, not yet synced.
    wait_for(worker, "one new case", lambda: len(set(case_ids(worker)) - before) == 1)
    (case_id,) = set(case_ids(worker)) - before
    worker.shot("05-cases")

    sync(worker)
    find(worker, "unsynced-empty")
    worker.shot("06-sync")

    # The leader's own app: sync, see the case and its photo, escalate.
    leader = make_app("leader")
    login(leader, server, "leader1")
    sync(leader)
    click(leader, "tab-cases")
    click(leader, f"case-row-{case_id}")
    find(leader, "case-detail")
    assert find(leader, "case-status").get_attribute("data-status") == "reported"
    photo = find(leader, "photo-before-0")
    img = photo if photo.tag_name == "img" else photo.find_element(By.TAG_NAME, "img")
    wait_for(leader, "photo shown",
             lambda: leader.driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) > 0)
    leader.shot("07-case-detail")
    click(leader, "action-escalated")
    click(leader, "action-confirm")
    wait_for(leader, "escalated",
             lambda: find(leader, "case-status").get_attribute("data-status") == "escalated")
    leader.shot("08-escalated")
    click(leader, "case-back")
    sync(leader)

    # The worker syncs and sees the new status.
    sync(worker)
    click(worker, "tab-cases")
    click(worker, f"case-row-{case_id}")
    wait_for(worker, "status escalated",
             lambda: find(worker, "case-status").get_attribute("data-status") == "escalated")
    kinds = [e.get_attribute("data-kind") for e in
             worker.driver.find_elements(By.CSS_SELECTOR, '[data-testid^="timeline-entry-"]')]
    assert "reported" in kinds and "escalated" in kinds, kinds
    worker.shot("09-worker-sees-escalation")
