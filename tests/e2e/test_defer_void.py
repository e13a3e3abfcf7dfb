"""Issue 14, scenario 3 on the real app: a leader defers a case (挂账) with
a reason and later resumes it; a duplicate report, saved although the
duplicate hint showed the first one, carries a link to it and is voided;
a voided case offers no step that could reopen it, on any device."""

from conftest import photos_dir
from ui import act, actions, case_ids, click, find, login, open_case, present, report, status, sync, timeline_kinds, wait_for


def test_defer_resume_and_void_a_duplicate(server, make_app):
    worker = make_app("worker7")
    login(worker, server, "worker7")
    first = report(worker, "围墙上喷涂小广告", photo=photos_dir() / "gps_DSCN0010.jpg")
    # The same wall, a second time: the hint shows the first report; saved anyway.
    duplicate = report(worker, "围墙上有小广告", expect_hint=first)
    open_case(worker, duplicate)
    find(worker, "case-related")
    sync(worker)

    leader = make_app("leader2-defer")
    login(leader, server, "leader2")
    sync(leader)

    # 挂账 with a reason, then resume by accepting it.
    open_case(leader, first)
    act(leader, "deferred", note="围墙待拆除，暂缓处理")
    wait_for(leader, "deferred", lambda: status(leader) == "deferred")
    leader.shot("01-deferred")
    act(leader, "accepted", note="拆除推迟，恢复办理")
    wait_for(leader, "accepted", lambda: status(leader) == "accepted")

    # The duplicate links the original; void it.
    open_case(leader, duplicate)
    click(leader, "case-related")
    wait_for(leader, "the original opens", lambda: leader.driver.current_url.endswith(first))
    open_case(leader, duplicate)
    act(leader, "voided", note="重复上报，原案件已受理")
    wait_for(leader, "voided", lambda: status(leader) == "voided")
    assert actions(leader) == [], actions(leader)
    assert not present(leader, "case-actions")
    leader.shot("02-voided")
    sync(leader)

    sync(worker)
    open_case(worker, first)
    wait_for(worker, "accepted reached the worker", lambda: status(worker) == "accepted")
    assert timeline_kinds(worker) == ["reported", "deferred", "accepted"], timeline_kinds(worker)
    assert "围墙待拆除" in find(worker, "timeline").text
    open_case(worker, duplicate)
    wait_for(worker, "voided reached the worker", lambda: status(worker) == "voided")
    assert actions(worker) == [], "a voided case cannot be reopened"
    assert set(case_ids(worker)) >= {first, duplicate}
