"""Issue 10 on the real app: a morning patrol whose position comes from a
recorded walk (GPX replay through the pluggable location source) records
its track in Rust whichever screen is open — the worker reports a case
half-way —, and the walk's three streets count as covered; the map draws
the grid, streets, the pin and the track with no tiles at all; after sync
the leader sees the patrol's coverage, and a second worker reporting the
same category at the same spot sees the duplicate hint."""

import time
from pathlib import Path

import re

from ui import attr, click, find, go, login, open_case, report, sync, wait_for

WALK = Path(__file__).parent / "data" / "walk-g01.gpx"
FAST = '{"moving_interval_ms":250,"still_interval_ms":250,"max_speed_mps":100}'


def test_the_walk_is_the_evidence(server, make_app):
    worker = make_app("worker2-walk", GRIDPATROL_GPX=str(WALK), GRIDPATROL_TRACK_SETTINGS=FAST)
    login(worker, server, "worker2")
    click(worker, "start-morning")
    find(worker, "patrol-page")
    patrol_id = worker.driver.current_url.rstrip("/").split("/")[-1]
    # Half-way, the worker reports a case: the recorder keeps recording.
    time.sleep(4)
    case_id = report(worker, "墙面小广告，约十张")
    open_case(worker, case_id)
    lat, lon = re.findall(r"\d+\.\d+", find(worker, "case-coords").text)[:2]
    go(worker, f"/patrol/{patrol_id}")
    find(worker, "patrol-page")
    wait_for(worker, "three streets covered",
             lambda: attr(worker, "patrol-progress", "data-covered") == "3", timeout=150)
    # The map is open on the patrol screen.
    wait_for(worker, "the map drawn", lambda: attr(worker, "patrol-map", "data-state") == "ready", timeout=60)
    assert int(attr(worker, "patrol-map", "data-streets")) >= 3
    assert int(attr(worker, "patrol-map", "data-tracks")) >= 1, "the track is on the map"
    assert int(attr(worker, "patrol-map", "data-cases")) >= 1, "the pin is on the map"
    worker.shot("01-patrol-map-track")
    click(worker, "end-patrol")
    click(worker, "end-patrol-confirm")
    find(worker, "patrol-summary")
    assert attr(worker, "summary-coverage", "data-covered") == "3"
    total = int(attr(worker, "summary-coverage", "data-total"))
    assert total > 3, "the grid has streets the walk did not cover"
    assert "米" in find(worker, "summary-track-length").text or "公里" in find(worker, "summary-track-length").text
    worker.shot("02-coverage-summary")
    sync(worker)

    go(worker, "/map")
    wait_for(worker, "the map page drawn", lambda: attr(worker, "map", "data-state") == "ready", timeout=60)
    assert int(attr(worker, "map", "data-grids")) >= 1
    worker.shot("03-map-page")

    leader = make_app("leader1-walk")
    login(leader, server, "leader1")
    sync(leader)
    go(leader, "/patrols")
    find(leader, f"history-row-{patrol_id}")
    assert "3" in find(leader, f"history-coverage-{patrol_id}").text
    leader.shot("04-leader-patrol-history")

    # Another worker of the grid, at the same spot, about to report the same problem.
    second = make_app("worker1-hint", GRIDPATROL_LOCATION=f"{lat},{lon}")
    login(second, server, "worker1")
    sync(second)
    report(second, "这里有小广告", expect_hint=case_id)
