"""Issue 11 on the real app: the street leader's dashboard comes from the
server and lists every grid of the street office, including grids with no
cases; the daily patrol log is exported as XLSX (GRIDPATROL_EXPORT_DIR
stands in for the save dialog); an administrator adds a local category in
the app, and a worker's phone offers it after its next sync."""

import tempfile
import time
import zipfile
from pathlib import Path

from ui import click, find, go, login, present, sync, type_into, wait_for

GRIDS = ["QS01-G01", "QS01-G02", "QS01-G03", "QS02-G01", "QS02-G02", "QS02-G03",
         "QS03-G01", "QS03-G02", "QS03-G03", "QS04-G01", "QS04-G02"]


def test_dashboard_and_patrol_log(server, make_app):
    out = Path(tempfile.mkdtemp(prefix="gp-e2e-exports-"))
    leader = make_app("street1", GRIDPATROL_EXPORT_DIR=str(out))
    login(leader, server, "street1")
    sync(leader)
    go(leader, "/dashboard")
    find(leader, "dashboard-page")
    wait_for(leader, "server figures", lambda: find(leader, "dashboard-source").get_attribute("data-source") == "server", 60)
    find(leader, "dashboard-summary")
    for g in GRIDS:
        find(leader, f"dash-grid-{g}")
    time.sleep(2.5)  # the "synced" toast fades
    leader.shot("01-dashboard")

    click(leader, "dashboard-export")
    find(leader, "export-sheet")
    click(leader, "export-log-grid-QS01-G01")
    click(leader, "export-patrol-log")
    result = find(leader, "export-result", 60)
    path = Path(result.get_attribute("data-path"))
    assert path.parent == out and path.suffix == ".xlsx", path
    with zipfile.ZipFile(path) as z:
        assert "xl/workbook.xml" in z.namelist()
        sheets = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/sharedStrings"))
    assert "巡查日志" in sheets or "柳荫社区第一网格" in sheets, "the log names itself or its grid"
    leader.shot("02-patrol-log-exported")


def test_admin_adds_a_category_a_worker_then_reports_with(server, make_app):
    worker = make_app("worker3-office")
    login(worker, server, "worker3")

    admin = make_app("admin")
    login(admin, server, "admin")
    go(admin, "/admin/categories")
    find(admin, "admin-categories-page")
    click(admin, "admin-category-add")
    find(admin, "category-form")
    click(admin, "cat-form-kind-event")
    click(admin, "cat-form-major-05")
    type_into(admin, "cat-form-code", "91")
    type_into(admin, "cat-form-name", "共享单车乱停放")
    type_into(admin, "cat-form-lookback", "3")
    click(admin, "cat-form-submit")
    find(admin, "admin-category-E0591")
    admin.shot("01-category-added")

    sync(worker)
    go(worker, "/today")
    click(worker, "today-report")
    find(worker, "report-page")
    click(worker, "category-field")
    type_into(worker, "category-search", "共享单车")
    find(worker, "category-option-E0591")
    worker.shot("02-new-category-offered")
    assert not present(worker, "category-option-E0201")
