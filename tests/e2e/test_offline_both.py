"""Issue 14, scenario 6 on the real app: the server is out of reach for
both devices (the link is cut); the leader escalates a case while the
worker adds evidence to it; when the link returns both actions reach
everyone's timeline and the derived status is the same everywhere."""

from conftest import photos_dir
from ui import act, add_evidence, find, login, open_case, report, status, sync, timeline_kinds, wait_for


def test_two_devices_act_on_one_case_offline(link, make_app):
    worker = make_app("worker9")
    login(worker, link.url, "worker9")
    case_id = report(worker, "人行道上乱堆建筑垃圾", photo=photos_dir() / "gps_DSCN0010.jpg")
    sync(worker)
    leader = make_app("leader3")
    login(leader, link.url, "leader3")
    sync(leader)

    link.set_down(True)
    open_case(leader, case_id)
    act(leader, "escalated", note="需要环卫清运")
    open_case(worker, case_id)
    add_evidence(worker, "垃圾又多了两车", photo=photos_dir() / "orientation_landscape_1.jpg")
    worker.shot("01-offline-evidence")
    leader.shot("01-offline-escalated")

    link.set_down(False)
    for app in (worker, leader, worker):
        sync(app)
    for app in (worker, leader):
        open_case(app, case_id)
        wait_for(app, "both steps", lambda: sorted(timeline_kinds(app)) == ["escalated", "evidence_added", "reported"])
        assert status(app) == "escalated"
        assert "垃圾又多了两车" in find(app, "timeline").text
    assert timeline_kinds(worker) == timeline_kinds(leader)
    leader.shot("02-merged")
