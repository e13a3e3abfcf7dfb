"""Issue 14, scenario 7 on the real app: a worker who handled a problem on
paper (no signal, phone flat) enters it afterwards with its past steps
(补录): found two hours ago, handled on the spot an hour and a half ago;
the case keeps those times, is marked as entered later, and the leader
sees the same after sync."""

import datetime

from ui import (attr, case_ids, choose, click, find, go, login, open_case, pick_category, present, status, sync,
                timeline_kinds, type_into, wait_for)


def set_time(app, testid, when):
    """Sets a native date-time field the way the picker would."""
    el = find(app, testid)
    app.driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}))",
        el, when.strftime("%Y-%m-%dT%H:%M"))


def test_past_steps_entered_later(server, make_app):
    worker = make_app("worker10")
    login(worker, server, "worker10")
    before = set(case_ids(worker))
    now = datetime.datetime.now().replace(second=0, microsecond=0)
    found, handled = now - datetime.timedelta(hours=2), now - datetime.timedelta(minutes=90)

    go(worker, "/today")
    click(worker, "today-report")
    find(worker, "report-page")
    pick_category(worker)
    type_into(worker, "description-input", "早上无信号，纸质记录：铲除小广告十余张")
    click(worker, "report-backfill")
    set_time(worker, "report-backfill-at", found)
    click(worker, "backfill-add-step")
    choose(worker, "backfill-step-kind-0", "handled_on_spot")
    set_time(worker, "backfill-step-at-0", handled)
    type_into(worker, "backfill-step-note-0", "已当场铲除")
    assert attr(worker, "backfill-step-0", "data-valid") == "true"
    worker.shot("01-backfill-form")
    click(worker, "save-case")
    wait_for(worker, "report saved", lambda: not present(worker, "report-page"))
    (case_id,) = set(case_ids(worker)) - before

    open_case(worker, case_id)
    assert status(worker) == "handled"
    assert timeline_kinds(worker) == ["reported", "handled_on_spot"], timeline_kinds(worker)
    find(worker, "case-backfilled")
    worker.shot("02-backfilled-case")
    sync(worker)

    leader = make_app("leader3-backfill")
    login(leader, server, "leader3")
    sync(leader)
    open_case(leader, case_id)
    assert status(leader) == "handled"
    assert timeline_kinds(leader) == ["reported", "handled_on_spot"]
    assert "已当场铲除" in find(leader, "timeline").text
    # The times are the paper's, not the sync's.
    assert handled.strftime("%H:%M") in find(leader, "timeline").text
