"""Issue 14, scenario 5 on the real app: a night duty team of two shares
one patrol — the starter names the team, the second member joins on their
own phone with the join code —; the member handles a problem on the spot
with a before and an after photo during the patrol; after sync the leader
sees it handled on the spot, both photos, found on that patrol, and the
patrol has both members."""

from conftest import photos_dir
from ui import attr, click, find, go, login, open_case, report, status, sync, timeline_kinds, type_into, wait_for


def test_night_team_handles_on_the_spot(server, make_app):
    lead = make_app("worker5-night")
    login(lead, server, "worker5")
    click(lead, "start-night")
    find(lead, "start-patrol-sheet")
    click(lead, "team-option-u-worker6")
    click(lead, "patrol-start-confirm")
    find(lead, "patrol-page")
    code = attr(lead, "patrol-join-code", "data-code")
    assert code, "the starter's phone shows a join code"
    lead.shot("01-night-patrol-code")

    member = make_app("worker6-night")
    login(member, server, "worker6")
    click(member, "join-patrol")
    find(member, "join-patrol-sheet")
    type_into(member, "join-code-input", code)
    click(member, "join-code-submit")
    find(member, "patrol-page")
    case_id = report(member, "夜间井盖缺失，已设置围挡", photo=photos_dir() / "gps_DSCN0010.jpg", on_spot=True,
                     after_photo=photos_dir() / "orientation_landscape_2.jpg")
    go(member, f"/cases/{case_id}")
    wait_for(member, "handled", lambda: status(member) == "handled")
    member.shot("02-handled-on-spot")
    go(member, "/today")
    click(member, "continue-patrol")
    click(member, "end-patrol")
    click(member, "end-part-confirm")
    find(member, "patrol-summary")
    sync(member)

    sync(lead)
    go(lead, "/today")
    click(lead, "continue-patrol")
    find(lead, "patrol-member-u-worker6")
    click(lead, "end-patrol")
    click(lead, "end-patrol-confirm")
    find(lead, "patrol-summary")
    lead.shot("03-team-summary")
    sync(lead)

    leader = make_app("leader2-night")
    login(leader, server, "leader2")
    sync(leader)
    open_case(leader, case_id)
    assert status(leader) == "handled"
    assert timeline_kinds(leader) == ["reported", "handled_on_spot"], timeline_kinds(leader)
    find(leader, "photo-before-0")
    find(leader, "photos-after")
    find(leader, "case-patrol")
    leader.shot("04-leader-sees-both-photos")
