"""Issue 12 on the real app: one phone shared between shifts. worker1
reports with no signal and logs out; worker5 of another grid logs in on the
same app and sees only their own grid's cases (including one reported
earlier on another phone), never worker1's; worker1 logs in again and
their pending case syncs by itself, under their name."""

from ui import case_ids, click, find, login, logout, open_case, present, report, sync, wait_for


def test_shared_phone_keeps_each_users_work_apart(server, link, make_app):
    other = make_app("worker6")
    login(other, server, "worker6")
    theirs = report(other, "菜场门口占道经营，三个摊位", category="E0509", search="占道经营")
    sync(other)

    phone = make_app("shared")
    login(phone, link.url, "worker1")
    link.set_down(True)
    mine = report(phone, "断网时记录：电线杆上贴满小广告")
    phone.shot("01-worker1-offline-case")
    logout(phone)
    # The next person is told whose work is still on the phone.
    find(phone, "login-waiting-u-worker1")
    phone.shot("02-login-waiting-work")

    link.set_down(False)
    login(phone, link.url, "worker5")
    wait_for(phone, "worker6's case arrives by itself", lambda: theirs in case_ids(phone), 60)
    assert mine not in case_ids(phone), "worker5 must not see worker1's case"
    phone.shot("03-worker5-sees-own-grid")
    logout(phone)

    login(phone, link.url, "worker1")
    click(phone, "tab-sync")
    wait_for(phone, "worker1's case synced by itself", lambda: present(phone, "unsynced-empty"), 60)
    assert theirs not in case_ids(phone), "worker1 must not see worker5's grid"

    leader = make_app("leader")
    login(leader, server, "leader1")
    sync(leader)
    open_case(leader, mine)
    assert "王芳" in find(leader, "case-reporter").text
