#!/usr/bin/env python3
"""Generates the demo street office's street and building geometry
(core/data/demo-geo.json) and the end-to-end walk (tests/e2e/data/walk-g01.gpx).

Streets are laid out in metres east and north of each grid's south-west
corner, at least 10 m inside the grid; a street shared by two grids gets one
piece in each, at the same latitude or longitude. Run from the repository
root: python3 scripts/gen-demo-geo.py
"""

import json
import math
import random
from datetime import datetime, timedelta, timezone

DEMO = "core/data/demo.json"
OUT = "core/data/demo-geo.json"
GPX = "tests/e2e/data/walk-g01.gpx"

R = 6371008.8  # mean Earth radius, as core::geo uses it
M_LAT = R * math.pi / 180
M_LON = M_LAT * math.cos(math.radians(30.27))

units = {u["id"]: u for u in json.load(open(DEMO, encoding="utf-8"))["org"]["units"]}


def origin(grid):
    ring = units[grid]["boundary"]["coordinates"][0]
    return min(p[0] for p in ring), min(p[1] for p in ring)


def deg(grid, dx, dy):
    lon0, lat0 = origin(grid)
    return [round(lon0 + dx / M_LON, 7), round(lat0 + dy / M_LAT, 7)]


def dy_at(grid, other, dy):
    """The dy in `grid` of the latitude that is `dy` in `other`."""
    return (origin(other)[1] + dy / M_LAT - origin(grid)[1]) * M_LAT


def dx_at(grid, other, dx):
    return (origin(other)[0] + dx / M_LON - origin(grid)[0]) * M_LON


# grid -> [(street, [(dx, dy), ...])], metres from the grid's south-west corner.
STREETS = {
    "QS01-G01": [
        ("柳荫路", [(10, 490), (605, 490)]),
        ("柳荫路东巷", [(480, 60), (480, 490)]),
        ("柳荫路西巷", [(120, 60), (120, 490)]),
        ("凤起弄", [(120, 300), (480, 300)]),
        ("竹竿巷", [(300, 300), (300, 490)]),
        ("梅花碑弄", [(120, 180), (480, 180)]),
        ("青石北街", [(10, 60), (605, 60)]),
    ],
    "QS01-G02": [
        ("柳荫路", [(10, 490), (604, 490)]),
        ("杨柳巷", [(10, 160), (297, 160)]),
        ("芳草弄", [(150, 160), (150, 490)]),
        ("石灰桥弄", [(150, 400), (604, 400)]),
        ("西河下", [(500, 320), (500, 610)]),
        ("青石北街", [(10, 60), (297, 60)]),
    ],
    "QS01-G03": [
        ("杨柳巷", [(10, dy_at("QS01-G03", "QS01-G02", 160)), (297, dy_at("QS01-G03", "QS01-G02", 160))]),
        ("桐荫弄", [(150, 60), (150, dy_at("QS01-G03", "QS01-G02", 160))]),
        ("槐树弄", [(10, 200), (297, 200)]),
    ],
    "QS02-G01": [
        ("东湖路", [(130, 10), (130, 610)]),
        ("东湖北路", [(10, 520), (605, 520)]),
        ("湖滨弄", [(130, 380), (605, 380)]),
        ("莲花巷", [(300, 60), (300, 380)]),
        ("荷池弄", [(460, 380), (460, 610)]),
        ("东园街", [(10, 60), (605, 60)]),
        ("菜市桥弄", [(300, 220), (605, 220)]),
    ],
    "QS02-G02": [
        ("东湖路", [(dx_at("QS02-G02", "QS02-G01", 130), 612), (dx_at("QS02-G02", "QS02-G01", 130), 20)]),
        ("东湖南路", [(10, 466), (297, 466)]),
        ("宝善巷", [(10, 150), (605, 150)]),
        ("新开弄", [(450, 20), (450, 290)]),
        ("茶汤弄", [(250, 150), (250, 600)]),
    ],
    "QS02-G03": [
        ("东湖南路", [(10, dy_at("QS02-G03", "QS02-G02", 466)), (297, dy_at("QS02-G03", "QS02-G02", 466))]),
        ("菜场弄", [(100, 10), (100, 300)]),
        ("市场东巷", [(260, 10), (260, 300)]),
        ("市场后巷", [(100, 60), (260, 60)]),
    ],
    "QS03-G01": [
        ("青石路", [(10, 500), (605, 500)]),
        ("青石路南巷", [(200, 60), (200, 300)]),
        ("石板巷", [(10, 300), (605, 300)]),
        ("打铁关弄", [(420, 300), (420, 610)]),
        ("长寿弄", [(200, 180), (605, 180)]),
        ("仓河下", [(80, 300), (80, 610)]),
        ("青石南街", [(10, 60), (605, 60)]),
    ],
    "QS03-G02": [
        ("石板巷", [(10, 300), (297, 300)]),
        ("狮子弄", [(150, 300), (150, 610)]),
        ("石桥弄", [(10, 470), (297, 470)]),
        ("学士路", [(10, 170), (297, 170)]),
    ],
    "QS03-G03": [
        ("学士路", [(10, 170), (297, 170)]),
        ("学堂弄", [(100, 60), (100, 300)]),
        ("文昌巷", [(230, 170), (230, 300)]),
        ("青石南街", [(10, 60), (297, 60)]),
    ],
    "QS04-G01": [
        ("桃园大道", [(10, 350), (604, 350)]),
        ("桃园村一组路", [(120, 130), (120, 600)]),
        ("桃园村二组路", [(450, 100), (450, 600)]),
        ("桃溪路", [(10, 200), (200, 180), (400, 210), (604, 190)]),
        ("村委会前路", [(120, 500), (450, 500)]),
    ],
    "QS04-G02": [
        ("桃园大道", [(10, 350), (605, 350)]),
        ("桃园村三组路", [(150, 120), (150, 600)]),
        ("桃园村四组路", [(450, 130), (450, 600)]),
        ("果园路", [(150, 500), (605, 500)]),
        ("沿溪路", [(10, 200), (300, 220), (605, 200)]),
    ],
}

# building -> a point (dx, dy) or a rectangle (dx0, dy0, dx1, dy1) in its grid.
BUILDINGS = {
    "QS01-G01-B01": (200, 380, 240, 410),
    "QS01-G01-B02": (360, 380, 400, 410),
    "QS01-G01-B03": (300, 240),
    "QS01-G02-B01": (40, 200, 80, 230),
    "QS01-G02-B02": (250, 440),
    "QS01-G03-B01": (200, 300, 240, 340),
    "QS01-G03-B02": (80, 150),
    "QS02-G01-B01": (180, 420, 220, 460),
    "QS02-G01-B02": (360, 420, 400, 460),
    "QS02-G01-B03": (400, 140),
    "QS02-G02-B01": (40, 40, 90, 90),
    "QS02-G02-B02": (520, 80),
    "QS03-G01-B01": (250, 380, 290, 420),
    "QS03-G01-B02": (320, 380, 360, 420),
    "QS03-G01-B03": (130, 400),
    "QS03-G02-B01": (190, 380, 240, 420),
    "QS03-G02-B02": (60, 540),
}


def line(grid, pts):
    return {"type": "LineString", "coordinates": [deg(grid, x, y) for x, y in pts]}


def building(bid, shape):
    grid = units[bid]["parent"]
    if len(shape) == 2:
        return {"type": "Point", "coordinates": deg(grid, *shape)}
    x0, y0, x1, y1 = shape
    ring = [deg(grid, x, y) for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]]
    return {"type": "Polygon", "coordinates": [ring]}


def demo_geo():
    for gid, streets in STREETS.items():
        names = [s for s, _ in streets]
        assert sorted(names) == sorted(units[gid]["streets"]), gid
    return {
        "street_lines": {
            gid: [{"name": n, "geometry": line(gid, pts)} for n, pts in streets] for gid, streets in STREETS.items()
        },
        "buildings": {bid: building(bid, shape) for bid, shape in BUILDINGS.items()},
    }


# The walk: 柳荫路西巷 north to 柳荫路, back to 凤起弄, along 凤起弄 east,
# 柳荫路东巷 north to 柳荫路 and all the way south to 青石北街.
WALK = [(120, 60), (120, 490), (120, 300), (480, 300), (480, 490), (480, 60)]
WALKED = ["柳荫路西巷", "凤起弄", "柳荫路东巷"]


def walk_gpx():
    rnd = random.Random(10)
    speed, every = 1.25, 5  # m/s, s
    start = datetime(2026, 3, 2, 0, 30, tzinfo=timezone.utc)  # 08:30 in China
    pts = []
    for (ax, ay), (bx, by) in zip(WALK, WALK[1:]):
        n = max(1, round(math.hypot(bx - ax, by - ay) / (speed * every)))
        pts += [(ax + (bx - ax) * i / n, ay + (by - ay) * i / n) for i in range(n)]
    pts.append(WALK[-1])
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="gridpatrol scripts/gen-demo-geo.py" xmlns="http://www.topografix.com/GPX/1/1">',
        "  <!-- Grid QS01-G01 (柳荫社区第一网格): walks exactly " + ", ".join(WALKED) + ";",
        "       of the grid's other streets it only crosses or touches the ends. One fix every 5 s. -->",
        "  <trk>",
        "    <name>QS01-G01 " + " ".join(WALKED) + "</name>",
        "    <trkseg>",
    ]
    ex = ey = 0.0  # GPS error drifts rather than jumps: about 1.4 m, correlated
    for i, (x, y) in enumerate(pts):
        ex, ey = 0.9 * ex + rnd.gauss(0, 0.6), 0.9 * ey + rnd.gauss(0, 0.6)
        lon, lat = deg("QS01-G01", x + ex, y + ey)
        t = (start + timedelta(seconds=every * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(f'      <trkpt lat="{lat}" lon="{lon}"><time>{t}</time></trkpt>')
    out += ["    </trkseg>", "  </trk>", "</gpx>", ""]
    return "\n".join(out)


if __name__ == "__main__":
    geo = demo_geo()
    one = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    grids = ",\n".join(
        f'    {one(g)}: [\n' + ",\n".join(f"      {one(s)}" for s in lines) + "\n    ]"
        for g, lines in geo["street_lines"].items()
    )
    buildings = ",\n".join(f"    {one(b)}: {one(v)}" for b, v in geo["buildings"].items())
    with open(OUT, "w", encoding="utf-8") as f:
        f.write('{\n  "street_lines": {\n' + grids + '\n  },\n  "buildings": {\n' + buildings + "\n  }\n}\n")
    json.load(open(OUT, encoding="utf-8"))  # still valid JSON
    with open(GPX, "w", encoding="utf-8") as f:
        f.write(walk_gpx())
