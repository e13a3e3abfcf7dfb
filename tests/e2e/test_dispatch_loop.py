"""Issue 14, scenarios 1 and 2 on the real app at phone size, one server:
the dispatch loop (worker reports with a photo → leader accepts and
dispatches to a department → the department sees only that case and
records its feedback with an after-photo → the worker verifies and closes;
everyone's status and timeline agree after sync), and rework (verification
fails, the case goes back to the department with a note; the second
feedback passes)."""

from conftest import photos_dir
from ui import act, case_ids, find, login, open_case, report, status, sync, timeline_kinds, wait_for

LOOP = ["reported", "escalated", "accepted", "dispatched", "handled", "verified", "closed"]


def everyone_agrees(apps, case_id, want_status, want_kinds):
    for app in apps:
        sync(app)
        open_case(app, case_id)
        wait_for(app, f"status {want_status}", lambda: status(app) == want_status)
        assert timeline_kinds(app) == want_kinds, (app.name, timeline_kinds(app))


def reported_and_dispatched(make_app, server, worker_name, dept, description):
    worker = make_app(worker_name)
    login(worker, server, worker_name)
    case_id = report(worker, description, photo=photos_dir() / "gps_DSCN0010.jpg")
    open_case(worker, case_id)
    act(worker, "escalated", note="需要城管处理")
    sync(worker)

    leader = make_app(f"leader-{worker_name}")
    login(leader, server, "leader1")
    sync(leader)
    open_case(leader, case_id)
    act(leader, "accepted")
    act(leader, "dispatched", note="请三日内清理", department=dept)
    wait_for(leader, "dispatched", lambda: status(leader) == "dispatched")
    sync(leader)
    return worker, leader, case_id


def test_dispatch_loop(server, make_app):
    worker, leader, case_id = reported_and_dispatched(make_app, server, "worker1", "D-CG", "电线杆上贴满小广告")
    worker.shot("01-reported")
    leader.shot("02-dispatched")

    dept = make_app("dept-cg")
    login(dept, server, "dept-cg")
    sync(dept)
    # The department sees the case dispatched to it, and nothing else of the grid.
    assert case_ids(dept) == [case_id]
    open_case(dept, case_id)
    act(dept, "handled", note="已清理完毕", photo=photos_dir() / "orientation_landscape_3.jpg")
    find(dept, "photos-after")
    dept.shot("03-handled-with-after-photo")
    sync(dept)

    sync(worker)
    open_case(worker, case_id)
    wait_for(worker, "handled", lambda: status(worker) == "handled")
    act(worker, "verified", note="现场核查已清理", also_close=True)
    wait_for(worker, "closed", lambda: status(worker) == "closed")
    worker.shot("04-verified-and-closed")
    sync(worker)

    everyone_agrees([worker, leader, dept], case_id, "closed", LOOP)
    leader.shot("05-leader-timeline")


def test_rework(server, make_app):
    worker, leader, case_id = reported_and_dispatched(make_app, server, "worker2", "D-SZ", "人行道井盖破损")
    dept = make_app("dept-sz")
    login(dept, server, "dept-sz")
    sync(dept)
    open_case(dept, case_id)
    act(dept, "handled", note="已临时覆盖", photo=photos_dir() / "orientation_landscape_1.jpg")
    sync(dept)

    sync(worker)
    open_case(worker, case_id)
    act(worker, "returned_for_rework", note="只是盖了木板，需更换井盖")
    wait_for(worker, "rework", lambda: status(worker) == "rework")
    worker.shot("01-returned-for-rework")
    sync(worker)

    sync(dept)
    open_case(dept, case_id)
    wait_for(dept, "rework reached the department", lambda: status(dept) == "rework")
    assert "只是盖了木板" in find(dept, "timeline").text
    act(dept, "handled", note="已更换新井盖", photo=photos_dir() / "orientation_landscape_2.jpg")
    sync(dept)

    sync(worker)
    open_case(worker, case_id)
    act(worker, "verified", note="新井盖已装好", also_close=True)
    sync(worker)
    want = LOOP[:5] + ["returned_for_rework", "handled", "verified", "closed"]
    everyone_agrees([worker, leader, dept], case_id, "closed", want)
