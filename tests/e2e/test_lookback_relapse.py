"""Issue 14, scenario 4 on the real app: a case handled on the spot and
closed comes due for its look-back (回头看) a week later — the server and
the app restart with a test clock eight days ahead, on the same data —; the
worker records a relapse with a photo, the case reopens, and its time limit
starts again from the relapse (it is not overdue although it was reported
eight days before); the leader sees the same after sync."""

from conftest import photos_dir
from ui import act, actions, attr, click, find, go, login, open_case, report, status, sync, timeline_kinds, wait_for

LATER = {"GRIDPATROL_TEST_CLOCK_OFFSET": "8d"}


def test_look_back_finds_a_relapse(own_server, make_app):
    worker = make_app("worker8")
    login(worker, own_server.url, "worker8")
    case_id = report(worker, "店外乱堆杂物已清理", photo=photos_dir() / "gps_DSCN0010.jpg", on_spot=True,
                     after_photo=photos_dir() / "orientation_landscape_3.jpg")
    open_case(worker, case_id)
    act(worker, "verified", note="已清理", also_close=True)
    wait_for(worker, "closed", lambda: status(worker) == "closed")
    sync(worker)
    go(worker, "/lookback")
    find(worker, f"lookback-upcoming-{case_id}")

    # A week and a day later, on the same data folder and server data.
    own_server.restart(**LATER)
    worker.restart(**LATER)
    find(worker, "today-page")
    go(worker, "/lookback")
    find(worker, f"lookback-row-{case_id}")
    worker.shot("01-lookback-due")
    click(worker, f"lookback-relapse-{case_id}")
    find(worker, "action-dialog")
    find(worker, "action-photo-input").send_keys(str(photos_dir() / "orientation_landscape_1.jpg"))
    wait_for(worker, "photo staged", lambda: attr(worker, "action-photo-input-item-0", "data-status") == "ready")
    click(worker, "action-confirm")
    open_case(worker, case_id)
    wait_for(worker, "relapsed", lambda: status(worker) == "relapsed")
    # The respond limit runs again from the relapse, in working time: not overdue.
    assert attr(worker, "case-sla", "data-sla") in ("green", "yellow"), attr(worker, "case-sla", "data-sla")
    assert "响应时限" in find(worker, "case-deadline").text
    worker.shot("02-relapsed")
    sync(worker)

    leader = make_app("leader2-lookback", **LATER)
    login(leader, own_server.url, "leader2")
    sync(leader)
    open_case(leader, case_id)
    wait_for(leader, "relapsed on the leader's app", lambda: status(leader) == "relapsed")
    want = ["reported", "handled_on_spot", "verified", "closed", "relapsed"]
    assert timeline_kinds(leader) == want, timeline_kinds(leader)
    assert attr(leader, "case-sla", "data-sla") in ("green", "yellow")
    # Reopened: the workflow starts again.
    assert "escalated" in actions(leader), actions(leader)
