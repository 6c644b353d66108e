"""Deterministic synthetic sample data: `python -m thads.sample [DIR]` (default `data`).

Writes `stats/<year>.csv` (one row per office and month, cumulative since 01/10), `targets.csv` and
`dataset.yml`. Every figure is invented, except that:
- the national year-end totals of 2023-2025 are calibrated on the published results (docs/du-lieu.md);
- Hậu Giang (93) at 2024-M11 sums exactly to the figures of the seed article.

How a year is made: each office gets a size and a random profile; its year-end ("anchor") figures
are fitted so that the offices sum to the national totals; the months before follow smooth
cumulative curves. The year 2025 is simulated on the old offices for all 12 months; the new offices
(from 2025-M10) carry the sums of the offices they took over.

Only integers and `random.Random` seeded with strings are used (no floats, no math library), so
the output is byte for byte the same on every run and every machine.
"""

from __future__ import annotations

import csv
import random
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from thads.periods import Period
from thads.schema import NATIONAL, STATS_COLUMNS, TARGET_COLUMNS, TARGET_ORGANISATION
from thads.units import Office, Units

SEED = "thads-sample-1"
YEARS = range(2023, 2028)
LAST_PERIOD = Period(2027, 1)   # the last month already ended when the data was made (27/11/2026)
TY = 1_000_000                  # 1 tỷ đồng in nghìn đồng
KINDS = ("viec", "tien")
OLD_KINDS, NEW_KINDS = ("cuc", "chi_cuc"), ("thads_tinh", "phong_khu_vuc")
BIG_CITIES = ("01", "79")       # Hà Nội, TP Hồ Chí Minh
URBAN_PREFIXES = ("Q.", "TP.", "TX.")

# National year-end results (docs/du-lieu.md): (phải thi hành, có điều kiện, thi hành xong incl. đình chỉ);
# cases in việc, money in tỷ đồng. 2023 có điều kiện = 574.819 / 83,25% and 89.412 / 46,78%; 2025
# money is published as lower bounds ("trên ..."), these values are above them with rate 56,13%.
NATIONAL_RESULTS = {
    2023: {"viec": (922_311, 690_473, 574_819), "tien": (388_509, 191_133, 89_412)},
    2024: {"viec": (1_021_783, 739_974, 620_657), "tien": (494_893, 224_775, 116_531)},
    2025: {"viec": (1_064_419, 685_898, 577_876), "tien": (686_400, 267_300, 150_035)},
}
GROWTH_PERCENT = 103            # invented: 2026 = 2025 × 1,03 and 2027 = 2026 × 1,03
# Carried over into statistical year 2023: cases from the published 2023 totals (299.096), money invented (tỷ).
CARRIED_2023 = {"viec": 299_096, "tien": 240_000}

# National targets in hundredths of a percent (cases, money); 2026 and 2027 are invented.
NATIONAL_TARGETS = {2023: (8250, 4550), 2024: (8325, 4645), 2025: (8390, 5190),
                    2026: (8400, 5200), 2027: (8400, 5200)}
TARGET_SPREAD = 150             # province targets: national ± 1,50 points
MISSING_TARGET = (2026, "12")   # Lai Châu has no 2026 target, to exercise the "no target" path

# The seed: Hậu Giang, 11 tháng năm 2024 (the press article). Money amounts behind "trên 3.343 tỷ"
# and "trên 508 tỷ" are invented; 508.417.365 / 1.500.198.775 = 33,89%.
SEED_PROVINCE, SEED_PERIOD = "93", Period(2024, 11)
SEED_TARGET = (8335, 4675)
SEED_TOTALS = {"viec": (11_410, 7_942, 6_113), "tien": (3_343_486_215, 1_500_198_775, 508_417_365)}
SEED_INDICATORS = {"tiep_cong_dan": 209, "khieu_nai_thu_ly": 33, "khieu_nai_giai_quyet": 32,
                   "to_cao_thu_ly": 8, "to_cao_giai_quyet": 6, "cong_chuc_tap_huan": 126}
SEED_GUIDANCE = 7               # văn bản xin ý kiến received by the Cục, all answered
# Indicator pairs (total, part): the part never exceeds the total.
PAIRS = [("khieu_nai_thu_ly", "khieu_nai_giai_quyet"), ("to_cao_thu_ly", "to_cao_giai_quyet"),
         ("xin_y_kien_nhan", "xin_y_kien_tra_loi"), ("hanh_chinh_theo_doi", "hanh_chinh_xong")]
NEVER = 13                      # a software-training month that never comes


def rng_for(*parts: object) -> random.Random:
    """An independent random stream per purpose (string seeds are hashed with SHA-512)."""
    return random.Random(":".join(str(p) for p in (SEED, *parts)))


def allocate(total: int, weights: list[int], caps: list[int] | None = None) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder), none above its cap."""
    out = [0] * len(weights)
    free = [i for i, w in enumerate(weights) if w > 0 and (caps is None or caps[i] > 0)]
    while total > 0:
        if not free:
            raise ValueError(f"cannot allocate {total}: no room left")
        wsum = sum(weights[i] for i in free)
        shares = {i: total * weights[i] // wsum for i in free}
        by_remainder = sorted(free, key=lambda i: (-(total * weights[i] % wsum), i))
        for i in by_remainder[:total - sum(shares.values())]:
            shares[i] += 1
        over = [i for i in free if caps is not None and shares[i] > caps[i]]
        if not over:
            for i in free:
                out[i] += shares[i]
            return out
        for i in over:
            out[i], total = caps[i], total - caps[i]
            free.remove(i)
    return out


def national_totals(year: int) -> dict[str, tuple[int, int, int]]:
    """Year-end national (phải, có điều kiện, xong) per kind, money in nghìn đồng."""
    if year in NATIONAL_RESULTS:
        return {k: tuple(v * (TY if k == "tien" else 1) for v in values)
                for k, values in NATIONAL_RESULTS[year].items()}
    before = national_totals(year - 1)
    return {k: tuple(v * GROWTH_PERCENT // 100 for v in values) for k, values in before.items()}


# --- offices and their sizes -------------------------------------------------------------------

class World:
    """The offices before and after the reorganisation, their sizes and their predecessors."""

    def __init__(self, units: Units):
        self.old = [o for o in units.offices if o.kind in OLD_KINDS]
        self.new = [o for o in units.offices if o.kind in NEW_KINDS]
        new_by_code = {o.code: o for o in self.new}
        self.predecessors: dict[Office, list[Office]] = {o: [] for o in self.new}
        for o in self.old:
            self.predecessors[new_by_code[o.successor]].append(o)
        self.size = self._old_sizes()
        for o in self.new:
            self.size[o] = tuple(sum(self.size[p][i] for p in self.predecessors[o]) for i in (0, 1))

    def _old_sizes(self) -> dict[Office, tuple[int, int]]:
        """(cases, money) weights: province factor × district weight; city districts are bigger."""
        size: dict[Office, tuple[int, int]] = {}
        for code in dict.fromkeys(o.province for o in self.old):
            rng = rng_for("province-size", code)
            factor = rng.randint(700, 1300) * (25 if code in BIG_CITIES else 10)
            money_factor = factor * rng.randint(600, 1400) // 1000
            if code == SEED_PROVINCE:      # keeps Hậu Giang 2023 in line with its 2024 seed figures
                factor, money_factor = 12000, 8000
            offices = [o for o in self.old if o.province == code]
            for o in offices:
                if o.kind == "chi_cuc":
                    urban = 16 if o.short_name.startswith(URBAN_PREFIXES) else 10
                    cases = factor * urban * rng.randint(600, 1400)
                    size[o] = (cases, money_factor * urban * rng.randint(500, 1500))
            cases = sum(size[o][0] for o in offices if o.kind == "chi_cuc")
            money = sum(size[o][1] for o in offices if o.kind == "chi_cuc")
            for o in offices:
                if o.kind == "cuc":      # the Cục: few cases but the big money ones
                    size[o] = (cases * rng.randint(80, 160) // 1000, money * rng.randint(500, 1100) // 1000)
        return size

    def subordinates(self, office: Office) -> int:
        """How many Chi cục / Phòng a provincial office has (they send it guidance requests)."""
        pool = self.old if office.kind == "cuc" else self.new
        return sum(1 for o in pool if o.province == office.province and not o.is_provincial)


# --- one office's random profile for one year --------------------------------------------------

@dataclass
class Profile:
    """Random traits of one office in one year; ratios in per mille."""

    weight: dict[str, int]        # share of the year's new cases / money
    eligible: dict[str, int]      # có điều kiện relative to phải thi hành
    rate: dict[str, int]          # completion rate relative to the others
    dismissed: dict[str, int]     # đình chỉ share of thi hành xong
    entrusted: dict[str, int]     # ủy thác share of net new cases
    postponed: dict[str, int]     # hoãn share of chuyển kỳ sau
    suspended: dict[str, int]     # tạm đình chỉ share of chuyển kỳ sau
    arrivals: list[int]           # cumulative arrival curve, index 0..12
    progress: dict[str, list[int]]  # rate path, per mille of the year-end rate, index 0..12
    training_month: int           # month from which tap_huan_phan_mem = 1
    revoked: dict[str, int]       # thu hồi, hủy share of net new cases, per ten thousand
    register: dict[str, int]      # chưa có điều kiện moved to the separate register, per mille of those left


def arrival_curve(rng: random.Random) -> list[int]:
    """Cumulative share of the year's new cases by month (fewer in February, month 5, for Tết)."""
    curve = [0]
    for month in range(1, 13):
        step = rng.randint(80, 120) * (6 if month == 5 else 10) // 10
        curve.append(curve[-1] + step)
    return curve


def progress_curve(start: int) -> list[int]:
    """Rate path rising from `start` per mille of the year-end rate to 1000, fast at first."""
    return [start + (1000 - start) * m * (24 - m) // 144 for m in range(13)]


def make_profile(office: Office, year: int, world: World) -> Profile:
    """Draw the traits of `office` in `year`."""
    rng = rng_for("office", year, office.kind, office.code)
    area = rng_for("province", year, office.province)
    area_rate = {"viec": area.randint(950, 1050), "tien": area.randint(900, 1100)}
    big_money = 850 if office.is_provincial else 1000
    return Profile(
        weight={k: world.size[office][i] * rng.randint(900, 1100) for i, k in enumerate(KINDS)},
        eligible={"viec": rng.randint(880, 1120), "tien": rng.randint(750, 1250)},
        rate={"viec": area_rate["viec"] * rng.randint(880, 1120),
              "tien": area_rate["tien"] * rng.randint(820, 1180) * big_money // 1000},
        dismissed={k: rng.randint(30, 100) for k in KINDS},
        entrusted={"viec": rng.randint(10, 30), "tien": rng.randint(5, 25)},
        postponed={"viec": rng.randint(10, 40), "tien": rng.randint(20, 60)},
        suspended={"viec": rng.randint(3, 15), "tien": rng.randint(5, 20)},
        arrivals=arrival_curve(rng),
        progress={"viec": progress_curve(rng.randint(500, 600)), "tien": progress_curve(rng.randint(380, 500))},
        training_month=rng.randint(1, 16) if not office.is_provincial else rng.randint(6, 20),
        # Drawn last: the figures drawn before stay as they were before these columns existed.
        revoked={k: rng.randint(2, 12) for k in KINDS},
        register={k: rng.randint(150, 400) for k in KINDS},
    )


# --- fitting the anchor month and expanding it into months ---------------------------------------

@dataclass
class Anchor:
    """One office's figures of one kind at the anchor month."""

    carried: int      # năm trước chuyển sang
    net_new: int      # thụ lý mới − ủy thác − thu hồi, hủy
    eligible: int     # có điều kiện
    done: int         # xong + đình chỉ

    @property
    def due(self) -> int:
        return self.carried + self.net_new


def fit(offices: list[Office], kind: str, totals: tuple[int, int, int],
        carried: dict[Office, dict[str, int]], profiles: dict[Office, Profile]) -> dict[Office, Anchor]:
    """Anchor figures of `kind` for `offices`, summing exactly to `totals` (phải, có đk, xong)."""
    due_total, eligible_total, done_total = totals
    carry = [carried[o][kind] for o in offices]
    new = allocate(due_total - sum(carry), [profiles[o].weight[kind] for o in offices])
    due = [c + n for c, n in zip(carry, new)]
    eligible = allocate(eligible_total, [d * profiles[o].eligible[kind] for d, o in zip(due, offices)], due)
    done = allocate(done_total, [e * profiles[o].rate[kind] for e, o in zip(eligible, offices)],
                    [e * 97 // 100 for e in eligible])
    return {o: Anchor(*values) for o, *values in zip(offices, carry, new, eligible, done)}


def kind_month(a: Anchor, p: Profile, kind: str, anchor: int, month: int) -> dict[str, int]:
    """Figures of `kind` at `month`, scaled from the anchor month along the office's curves."""
    grow = p.arrivals
    net = a.net_new * grow[month] // grow[anchor]
    entrusted = net * p.entrusted[kind] // 1000
    revoked = rounded(net * p.revoked[kind], 10000)
    due = a.carried + net
    eligible = due * a.eligible // a.due if a.due else 0
    path = p.progress[kind]
    done = min(eligible, eligible * a.done * path[month] // (a.eligible * path[anchor])) if a.eligible else 0
    dismissed = done * p.dismissed[kind] // 1000
    left = due - done
    return {"phai_thi_hanh": due, "co_dieu_kien": eligible, "xong": done - dismissed, "dinh_chi": dismissed,
            "done": done,  # reported 'thi hành xong'; a helper, not written out
            "nam_truoc_chuyen_sang": a.carried, "thu_ly_moi": net + entrusted + revoked, "uy_thac": entrusted,
            "thu_hoi_huy": revoked, "chua_co_dieu_kien": due - eligible, "hoan": left * p.postponed[kind] // 1000,
            "tam_dinh_chi": left * p.suspended[kind] // 1000, "chuyen_ky_sau": left,
            "so_theo_doi_rieng": (due - eligible) * p.register[kind] // 1000}


def resolved(received: int, rng: random.Random, one_in: int) -> int:
    """All of `received` dealt with, or (about once in `one_in`) all but one."""
    return received - 1 if received and rng.randint(1, one_in) == 1 else received


def indicator_anchor(office: Office, anchors: dict[str, Anchor], world: World,
                     rng: random.Random) -> dict[str, int]:
    """Year-to-anchor values of the other indicators: small counts, bigger at the provincial office.

    The new offices are about half as many as the old ones, so their counts are doubled.
    """
    prov = office.is_provincial
    scale = 2 if office.kind in NEW_KINDS else 1
    complaints = scale * (rng.randint(4, 14) if prov else rng.randint(0, 5))
    denunciations = scale * (rng.randint(1, 5) if prov else rng.randint(0, 2))
    guidance = world.subordinates(office) * rng.randint(3, 15) // 10 if prov else 0
    admin = scale * (rng.randint(6, 24) if prov else rng.randint(0, 3))
    return {
        "tiep_cong_dan": scale * (rng.randint(15, 45) if prov else rng.randint(4, 16)),
        "khieu_nai_thu_ly": complaints,
        "khieu_nai_giai_quyet": resolved(complaints, rng, 10),
        "to_cao_thu_ly": denunciations,
        "to_cao_giai_quyet": resolved(denunciations, rng, 5),
        "xin_y_kien_nhan": guidance,
        "xin_y_kien_tra_loi": resolved(guidance, rng, 10),
        "cong_chuc_tap_huan": scale * (rng.randint(15, 40) if prov else rng.randint(4, 14)),
        "hanh_chinh_theo_doi": admin,
        "hanh_chinh_xong": (admin * rng.randint(350, 650) + 500) // 1000,
        "tin_dung_viec": anchors["viec"].due * rng.randint(3, 9) // 1000,
        "tin_dung_tien": anchors["tien"].due * rng.randint(30, 90) // 1000,
        "tham_nhung_viec": anchors["viec"].due * rng.randint(10, 40) // 1000 if prov else 0,
        "tham_nhung_tien": anchors["tien"].due * rng.randint(80, 250) // 1000 if prov else 0,
    }


def rounded(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (non-negative integers)."""
    return (2 * numerator + denominator) // (2 * denominator)


def expand(anchors: dict[str, Anchor], indicators: dict[str, int], p: Profile, anchor: int) -> list[dict[str, int]]:
    """The 12 cumulative monthly rows of one office, from its anchor-month figures."""
    rows = []
    for month in range(1, 13):
        row = {f"{k}_{name}": v for k in KINDS for name, v in kind_month(anchors[k], p, k, anchor, month).items()}
        row.update({name: rounded(v * p.arrivals[month], p.arrivals[anchor]) for name, v in indicators.items()})
        row["tap_huan_phan_mem"] = int(month >= p.training_month)
        rows.append(row)
    return rows


# --- one statistical year ------------------------------------------------------------------------

def seed_indicators(offices: list[Office], generic: dict[Office, dict[str, int]]) -> None:
    """Replace the seed offices' indicators so that the province sums are the article's."""
    for name, total in SEED_INDICATORS.items():
        weights = [generic[o][name] + 1 for o in offices]
        pair = next((big for big, small in PAIRS if small == name), None)
        caps = [generic[o][pair] for o in offices] if pair else None
        for o, v in zip(offices, allocate(total, weights, caps)):
            generic[o][name] = v
    for o in offices:
        guidance = SEED_GUIDANCE if o.is_provincial else 0
        generic[o]["xin_y_kien_nhan"] = generic[o]["xin_y_kien_tra_loi"] = guidance


def simulate_year(world: World, year: int, offices: list[Office],
                  carried: dict[Office, dict[str, int]]) -> dict[Office, list[dict[str, int]]]:
    """Monthly rows of every office in `offices` for statistical year `year`."""
    profiles = {o: make_profile(o, year, world) for o in offices}
    rows: dict[Office, list[dict[str, int]]] = {}
    seed = [o for o in offices if year == SEED_PERIOD.year and o.province == SEED_PROVINCE]
    if seed:   # Hậu Giang 2024 first, fitted at month 11 on the article's figures
        for o in seed:   # software training held in every Chi cục by month 11 (not at the Cục)
            profiles[o].training_month = NEVER if o.is_provincial else min(profiles[o].training_month,
                                                                           SEED_PERIOD.month)
        rows = simulate_group(world, year, seed, SEED_PERIOD.month, SEED_TOTALS, carried, profiles)
    # then everyone else, fitted at month 12 on the national totals less what the seed took
    fixed = ("phai_thi_hanh", "co_dieu_kien", "done")
    totals = {k: tuple(t - sum(r[11][f"{k}_{name}"] for r in rows.values())
                       for t, name in zip(national_totals(year)[k], fixed)) for k in KINDS}
    rest = [o for o in offices if o not in rows]
    rows.update(simulate_group(world, year, rest, 12, totals, carried, profiles))
    return {o: rows[o] for o in offices}


def simulate_group(world: World, year: int, offices: list[Office], anchor: int,
                   totals: dict[str, tuple[int, int, int]], carried: dict[Office, dict[str, int]],
                   profiles: dict[Office, Profile]) -> dict[Office, list[dict[str, int]]]:
    """Fit `offices` so that at month `anchor` they sum to `totals`, then expand to 12 months."""
    fitted = {k: fit(offices, k, totals[k], carried, profiles) for k in KINDS}
    indicators = {o: indicator_anchor(o, {k: fitted[k][o] for k in KINDS}, world,
                                      rng_for("indicators", year, o.kind, o.code)) for o in offices}
    if anchor != 12:   # only the seed group is anchored before the year end
        seed_indicators(offices, indicators)
    return {o: expand({k: fitted[k][o] for k in KINDS}, indicators[o], profiles[o], anchor) for o in offices}


def merge(world: World, old_rows: dict[Office, list[dict[str, int]]]) -> dict[Office, list[dict[str, int]]]:
    """Rows of the new offices: the sums of the offices they took over (training: any of them)."""
    merged = {}
    for office, preds in world.predecessors.items():
        months = []
        for m in range(12):
            row = {c: sum(old_rows[p][m][c] for p in preds) for c in old_rows[preds[0]][m]}
            row["tap_huan_phan_mem"] = max(old_rows[p][m]["tap_huan_phan_mem"] for p in preds)
            months.append(row)
        merged[office] = months
    return merged


def initial_carry(world: World) -> dict[Office, dict[str, int]]:
    """Cases and money carried into 2023, shared out by size."""
    rng = rng_for("carry-2023")
    out: dict[Office, dict[str, int]] = {o: {} for o in world.old}
    for i, k in enumerate(KINDS):
        weights = [world.size[o][i] * rng.randint(800, 1200) for o in world.old]
        total = CARRIED_2023[k] * (TY if k == "tien" else 1)
        for o, v in zip(world.old, allocate(total, weights)):
            out[o][k] = v
    return out


def simulate(units: Units) -> dict[int, list[tuple[Office, int, dict[str, int]]]]:
    """Every reported row, by statistical year: (office, month, figures)."""
    world = World(units)
    carried = initial_carry(world)
    out = {}
    for year in YEARS:
        offices = world.old if year <= 2025 else world.new
        rows = simulate_year(world, year, offices, carried)
        if year == 2025:
            rows.update(merge(world, rows))
        carried = {o: {k: r[11][f"{k}_chuyen_ky_sau"] for k in KINDS} for o, r in rows.items()}
        out[year] = [(o, m, r[m - 1]) for o, r in rows.items() for m in range(1, 13)
                     if Period(year, m) <= LAST_PERIOD and o.valid_on(Period(year, m).end)]
        out[year].sort(key=lambda t: (t[1], t[0].province, not t[0].is_provincial, t[0].code))
    return out


# --- targets -------------------------------------------------------------------------------------

def percent(hundredths: int) -> str:
    """8335 -> '83.35'."""
    return f"{hundredths // 100}.{hundredths % 100:02d}"


REORGANISED = date(2025, 7, 1)   # the 34 provinces get their own targets for the rest of 2025 (theo_ngay)


def target_rows(units: Units) -> list[list[str]]:
    """A national row and one row per province code existing at some day of each year; for 2025, also one row
    per province formed on 01/07/2025, naming that organisation (`theo_ngay`)."""
    rows = []
    for year in YEARS:
        first, last = Period(year, 1).start, Period(year, 12).end
        codes = sorted({p.code for p in units.provinces
                        if (p.valid_from or date.min) <= last and first <= (p.valid_to or date.max)})
        national = NATIONAL_TARGETS[year]
        rows.append([str(year), NATIONAL, percent(national[0]), percent(national[1]), ""])
        for code in codes:
            if (year, code) == MISSING_TARGET:
                continue
            rng = rng_for("target", year, code)
            values = [t + rng.randint(-TARGET_SPREAD, TARGET_SPREAD) for t in national]
            if (year, code) == (SEED_PERIOD.year, SEED_PROVINCE):
                values = list(SEED_TARGET)
            rows.append([str(year), code, percent(values[0]), percent(values[1]), ""])
    for p in units.provinces_on(REORGANISED):
        rng = rng_for("target", REORGANISED.year, p.code, REORGANISED)
        values = [t + rng.randint(-TARGET_SPREAD, TARGET_SPREAD) for t in NATIONAL_TARGETS[REORGANISED.year]]
        rows.append([str(REORGANISED.year), p.code, percent(values[0]), percent(values[1]), REORGANISED.isoformat()])
    return rows


# --- writing -------------------------------------------------------------------------------------

DATASET_YML = """\
# Sinh bởi `python -m thads.sample data`; không sửa tay, hãy sửa src/thads/sample.py rồi chạy lại.
sample: true
description: "Dữ liệu mẫu, tổng hợp (không phải số liệu thống kê thật) dùng để chạy thử báo cáo, trừ số liệu 11 tháng năm 2024 của tỉnh Hậu Giang (tổng toàn tỉnh) lấy từ bài báo về hội nghị sơ kết thi hành án dân sự 11 tháng năm 2024 của tỉnh."
generator: thads.sample
seed: "{seed}"
money_unit: nghìn đồng
missing_targets:
  - {{nam: {missing_year}, tinh: "{missing_code}"}}
notes:
  - "Số liệu từng đơn vị, từng tháng là giả định; tổng toàn quốc năm 2023, 2024, 2025 (phải thi hành, có điều kiện, thi hành xong, tỷ lệ) được hiệu chỉnh cho khớp với kết quả đã công bố."
  - "Năm 2023: số có điều kiện toàn quốc suy ra từ số thi hành xong và tỷ lệ (574.819 việc / 83,25%; 89.412 tỷ đồng / 46,78%); số chuyển sang từ năm 2022 về tiền là giả định."
  - "Năm 2025: số tiền toàn quốc chỉ được công bố dạng 'trên ...', dữ liệu mẫu dùng 686.400 / 267.300 / 150.035 tỷ đồng (56,13%)."
  - "Năm 2026 và tháng 1 năm 2027 là giả định hoàn toàn (bằng năm trước nhân 1,03); chỉ tiêu toàn quốc 2026, 2027 (84,00% / 52,00%) cũng là giả định."
  - "Hậu Giang 11 tháng năm 2024: tổng toàn tỉnh đúng như bài báo; cách chia cho Cục và 8 Chi cục, số tiền chi tiết sau phần làm tròn ('trên 3.343 tỷ', 'trên 508 tỷ') và diễn biến từng tháng là giả định."
  - "Năm 2025: tháng 1 đến tháng 9 là số của Cục và Chi cục THADS cũ; từ tháng 10 là số của THADS tỉnh và Phòng THADS khu vực, gồm số cộng dồn từ 01/10/2024 của các đơn vị mà mỗi đơn vị tiếp nhận."
  - "Chỉ tiêu của từng tỉnh là giả định (chỉ tiêu toàn quốc cộng trừ tối đa 1,5 điểm), trừ Hậu Giang năm 2024 (83,35% việc, 46,75% tiền)."
  - "Năm 2025: các tỉnh, thành phố hình thành ngày 01/07/2025 có chỉ tiêu riêng (cột theo_ngay của targets.csv), dùng cho báo cáo theo tổ chức từ ngày đó (--as-of 2025-07-01) và các kỳ sau ngày đó; chỉ tiêu không có theo_ngay là của tỉnh mang mã đó tại cuối kỳ báo cáo."
  - "Các cột luồng án (năm trước chuyển sang, thụ lý mới, ủy thác, thu hồi, hủy quyết định, chưa có điều kiện đã chuyển sổ theo dõi riêng) là giả định, khớp với số phải thi hành: phải thi hành = năm trước chuyển sang + thụ lý mới − ủy thác − thu hồi, hủy."
  - "Tỉnh Lai Châu (mã {missing_code}) cố ý không có chỉ tiêu năm {missing_year}, để kiểm thử trường hợp thiếu chỉ tiêu."
  - "Các chỉ số khác (tiếp công dân, khiếu nại, tố cáo, xin ý kiến nghiệp vụ, tập huấn, thi hành án hành chính, án tín dụng, án tham nhũng) là giả định, trừ số của Hậu Giang 11 tháng năm 2024."
"""


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """UTF-8 without BOM, `\\n` line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def stats_row(year: int, month: int, office: Office, figures: dict[str, int]) -> list[str]:
    values = {"nam": year, "thang": month, "don_vi": office.code, "tinh": office.province, **figures}
    return [str(values[c]) for c in STATS_COLUMNS]


def generate(folder: Path) -> None:
    """Write the sample data set into `folder` (stats/, targets.csv, dataset.yml)."""
    folder = Path(folder)
    units = Units.load()
    for year, rows in simulate(units).items():
        write_csv(folder / "stats" / f"{year}.csv", STATS_COLUMNS,
                  [stats_row(year, month, office, figures) for office, month, figures in rows])
    write_csv(folder / "targets.csv", TARGET_COLUMNS + [TARGET_ORGANISATION], target_rows(units))
    text = DATASET_YML.format(seed=SEED, missing_year=MISSING_TARGET[0], missing_code=MISSING_TARGET[1])
    (folder / "dataset.yml").write_text(text, encoding="utf-8", newline="\n")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data"))
