#!/usr/bin/env python3
"""The 13 default screening rules of SCREENING.md in DuckDB SQL, over the same files as
`zhenxing screen --roster … --feeds DIR` (batch mode): roster CSV files in the LAYOUT.md layout (one
per income year) and a directory of KIND-YYYY-MM.csv feed files. Writes the same CSV contract
(household_no,village,rule_id,risk_type,status,evidence; evidence is shorter than zhenxing's).

    screen.py --period 2026-10 --roster R1.csv --roster R2.csv --feeds DIR --out out.csv

Semantics, as in SCREENING.md and the engine (crates/screening):
- files: the feed files whose month is one of the 12 ending with P; event kinds count records dated
  in P, medical records dated in the 12 months ending with P;
- people are matched by the 18-character ID (15-digit numbers upgraded with their GB 11643 check
  character, disability-certificate numbers cut to 18); housing and disaster rows by 户编号 when
  filled, else by 户主证件号码 (any member); water rows by 户编号; records matching nobody are dropped;
- a household's members come from the first roster file that names it; each file adds its income
  year (the first file wins for a year given twice);
- money is exact: DECIMAL(18,2), per-capita income in integer fen rounded half away from zero;
- monitored = 户类型 监测户, exited = 脱贫户; ages are whole years at the event date; comparisons strict;
- parameters: the policy defaults (monitoring_line 7000 …).
It does not validate rows (IDs, formulas) as zhenxing's readers do: on the synthetic files there is
nothing to reject.
"""

import argparse
import os
import re
import sys
import time

import duckdb

ROSTER_COLUMNS = [
    ("town", "VARCHAR"), ("village", "VARCHAR"), ("grp", "VARCHAR"), ("hno", "VARCHAR"),
    ("kind", "VARCHAR"), ("category", "VARCHAR"), ("size", "VARCHAR"), ("phone", "VARCHAR"),
    ("house_safe", "VARCHAR"), ("water_safe", "VARCHAR"), ("farmland", "VARCHAR"),
    ("year", "INTEGER"), ("wage", "DECIMAL(18,2)"), ("business", "DECIMAL(18,2)"),
    ("property", "DECIMAL(18,2)"), ("transfer", "DECIMAL(18,2)"), ("expense", "DECIMAL(18,2)"),
    ("net", "VARCHAR"), ("net_pc", "VARCHAR"), ("name", "VARCHAR"), ("id", "VARCHAR"),
    ("relation", "VARCHAR"), ("sex", "VARCHAR"), ("birth", "DATE"), ("ethnicity", "VARCHAR"),
    ("education", "VARCHAR"), ("schooling", "VARCHAR"), ("health", "VARCHAR"),
    ("grade", "VARCHAR"), ("labour", "VARCHAR"), ("work_months", "VARCHAR"),
    ("medical_insured", "VARCHAR"), ("pension_insured", "VARCHAR"), ("dibao", "VARCHAR"),
    ("tekun", "VARCHAR"), ("member_phone", "VARCHAR"),
]
M = "DECIMAL(18,2)"
FEED_COLUMNS = {
    "medical": [("id", "VARCHAR"), ("d", "DATE"), ("visit", "VARCHAR"), ("total", M),
                ("basic", M), ("critical", M), ("assist", M), ("oop", M), ("eligible", M)],
    "disability": [("id", "VARCHAR"), ("category", "VARCHAR"), ("grade", "VARCHAR"),
                   ("change", "VARCHAR"), ("d", "DATE")],
    "education": [("id", "VARCHAR"), ("stage", "VARCHAR"), ("status", "VARCHAR"), ("fees", M),
                  ("d", "DATE")],
    "housing": [("hno", "VARCHAR"), ("head", "VARCHAR"), ("rating", "VARCHAR"), ("d", "DATE")],
    "police": [("id", "VARCHAR"), ("event", "VARCHAR"), ("d", "DATE"), ("cause", "VARCHAR")],
    "civil": [("id", "VARCHAR"), ("program", "VARCHAR"), ("d", "DATE"), ("amount", M)],
    "disaster": [("hno", "VARCHAR"), ("head", "VARCHAR"), ("hazard", "VARCHAR"), ("loss", M),
                 ("d", "DATE")],
    "employment": [("id", "VARCHAR"), ("status", "VARCHAR"), ("wage", M), ("d", "DATE")],
    "water": [("hno", "VARCHAR"), ("days", "INTEGER"), ("d", "DATE")],
}

# Parameters (domain::policy::defaults; SCREENING.md placeholders).
P = dict(
    monitoring_line="7000.00", prev_rural_income_pc="20000.00", medical_share_exited="0.5",
    medical_share_ordinary="1.0", stay_oop_exited="6000.00", stay_oop_ordinary="10000.00",
    education_oop="10000.00", disaster_loss_min="10000.00", disaster_loss_share="0.5",
    unemployment_income_factor="1.5", income_drop_share="0.3", income_drop_factor="2.0",
    water_cut_days="30",
)


def sql_list(items):
    return "[" + ", ".join("'" + i.replace("'", "''") + "'" for i in items) + "]"


def read_csv(files, columns):
    cols = ", ".join(f"'{n}': '{t}'" for n, t in columns)
    return (f"read_csv({sql_list(files)}, header = true, delim = ',', quote = '\"', "
            f"escape = '\"', auto_detect = false, dateformat = '%Y-%m-%d', columns = {{{cols}}})")


def month_index(p):
    y, m = map(int, p.split("-"))
    return y * 12 + m - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--period", required=True)
    ap.add_argument("--roster", action="append", required=True)
    ap.add_argument("--feeds", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int)
    a = ap.parse_args()
    started = time.time()
    py, pm = map(int, a.period.split("-"))
    p_index = month_index(a.period)
    first = f"{py:04d}-{pm:02d}-01"
    w_index = p_index - 11
    window_first = f"{w_index // 12:04d}-{w_index % 12 + 1:02d}-01"

    files = {k: [] for k in FEED_COLUMNS}
    for name in sorted(os.listdir(a.feeds)):
        m = re.fullmatch(r"([a-z]+)-(\d{4}-\d{2})\.csv", name)
        if m and m.group(1) in files and 0 <= p_index - month_index(m.group(2)) < 12:
            files[m.group(1)].append(os.path.join(a.feeds, name))

    con = duckdb.connect()
    if a.threads:
        con.execute(f"SET threads = {a.threads}")
    con.execute("SET preserve_insertion_order = false")
    # GB 11643: 15-digit numbers gain '19' and a check character; disability numbers keep 18.
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    checksum = " + ".join(f"CAST(substr(s, {i + 1}, 1) AS INTEGER) * {w}"
                          for i, w in enumerate(weights))
    con.execute(f"CREATE MACRO check17(s) AS substr('10X98765432', (({checksum}) % 11) + 1, 1)")
    con.execute("CREATE MACRO up17(t) AS left(t, 6) || '19' || substr(t, 7)")
    con.execute("""CREATE MACRO id18(t) AS CASE
        WHEN length(t) = 15 THEN up17(t) || check17(up17(t))
        WHEN length(t) IN (20, 22) THEN upper(left(t, 18))
        ELSE upper(t) END""")

    # Roster rows, tagged with their file's position.
    parts = [f"SELECT {i} AS f, * FROM {read_csv([r], ROSTER_COLUMNS)}"
             for i, r in enumerate(a.roster)]
    con.execute(f"""CREATE TEMP TABLE roster AS
        SELECT f, hno, village, kind, year,
               CAST(coalesce(wage, 0) + coalesce(business, 0) + coalesce(property, 0)
                    + coalesce(transfer, 0) - coalesce(expense, 0) AS DECIMAL(18,2)) AS net,
               id18(id) AS id, birth, labour, grade
        FROM ({' UNION ALL '.join(parts)})""")
    # The first file naming a household gives its members and household columns.
    con.execute("""CREATE TEMP TABLE person AS
        WITH firsts AS (SELECT hno, min(f) AS f FROM roster GROUP BY hno)
        SELECT r.id, r.hno, r.village, r.kind, r.birth, r.labour, r.grade
        FROM roster r JOIN firsts USING (hno, f)""")
    con.execute("""CREATE TEMP TABLE hh AS
        SELECT hno, any_value(village) AS village, any_value(kind) AS kind, count(*) AS size
        FROM person GROUP BY hno""")
    con.execute(f"""CREATE TEMP TABLE income AS
        WITH y AS (SELECT hno, year, arg_min(net, f) AS net FROM roster
                   WHERE year IS NOT NULL GROUP BY hno, year),
             latest AS (SELECT hno, max(year) AS year FROM y WHERE year <= {py} GROUP BY hno)
        SELECT l.hno, cur.net AS net_latest, cur.year AS year_latest, prev.net AS net_previous
        FROM latest l JOIN y cur ON cur.hno = l.hno AND cur.year = l.year
        LEFT JOIN y prev ON prev.hno = l.hno AND prev.year = l.year - 1""")

    def feed(kind):
        return read_csv(files[kind], FEED_COLUMNS[kind]) if files[kind] else None

    def in_period(where):
        return (f"x.d >= DATE '{first}' AND x.d < DATE '{first}' + INTERVAL 1 MONTH "
                f"AND ({where})")

    def nothing(select):
        return f"SELECT NULL::VARCHAR AS hno, {select} WHERE FALSE"

    def by_person(kind, select, where="TRUE"):
        src = feed(kind)
        if src is None:
            return nothing(select)
        return f"""SELECT p.hno, {select} FROM {src} x JOIN person p ON p.id = id18(x.id)
                   WHERE {in_period(where)} GROUP BY p.hno"""

    def by_household(kind, select, where="TRUE"):
        src = feed(kind)
        if src is None:
            return nothing(select)
        if kind == "water":  # 户编号 only
            return f"""SELECT h.hno, {select} FROM {src} x JOIN hh h ON h.hno = x.hno
                       WHERE {in_period(where)} GROUP BY h.hno"""
        # A filled 户编号 wins; else the household of the person named by 户主证件号码.
        return f"""SELECT h.hno, {select} FROM {src} x
                   LEFT JOIN person p ON p.id = id18(x.head)
                   JOIN hh h ON h.hno = coalesce(x.hno, p.hno)
                   WHERE {in_period(where)} GROUP BY h.hno"""

    med = feed("medical")
    medical = (f"""SELECT p.hno, sum(coalesce(x.eligible, x.oop)) AS oop12,
                      max(CASE WHEN x.visit = '住院' AND x.d >= DATE '{first}' THEN x.oop END)
                        AS stay
                   FROM {med} x JOIN person p ON p.id = id18(x.id)
                   WHERE x.d >= DATE '{window_first}'
                     AND x.d < DATE '{first}' + INTERVAL 1 MONTH
                   GROUP BY p.hno""" if med else
               "SELECT NULL::VARCHAR AS hno, NULL::DECIMAL(18,2) AS oop12, "
               "NULL::DECIMAL(18,2) AS stay WHERE FALSE")
    rank = "CASE {g} WHEN '一级' THEN 1 WHEN '二级' THEN 2 WHEN '三级' THEN 3 WHEN '四级' THEN 4 ELSE 5 END"
    age = ("(year(x.d) - year(p.birth) - CASE WHEN month(x.d) < month(p.birth) OR "
           "(month(x.d) = month(p.birth) AND day(x.d) < day(p.birth)) THEN 1 ELSE 0 END)")
    features = f"""
    WITH med AS ({medical}),
    dis AS ({by_person("disability", "true AS disability_new",
                       "x.change = '新增' OR (x.change = '等级变更' AND x.grade IS NOT NULL AND "
                       + rank.format(g="x.grade") + " < " + rank.format(g="p.grade") + ")")}),
    drop_ AS ({by_person("education", "true AS dropout",
                         "x.stage IN ('小学', '初中') AND x.status = '疑似辍学'")}),
    fees AS ({by_person("education", "max(x.fees) AS fees_max",
                        "x.stage NOT IN ('小学', '初中')")}),
    house AS ({by_household("housing", "true AS house_unsafe", "x.rating IN ('C', 'D')")}),
    police AS ({by_person("police", "true AS labour_loss",
                          "x.event IN ('死亡', '伤残') AND p.labour IN ('普通劳动力', '技能劳动力') "
                          f"AND {age} BETWEEN 16 AND 59")}),
    civil AS ({by_person("civil", "true AS civil_new")}),
    disaster AS ({by_household("disaster", "max(x.loss) AS loss_max")}),
    jobs AS ({by_person("employment", "true AS unemployed", "x.status = '失业'")}),
    water AS ({by_household("water", "max(x.days) AS water_max")})
    SELECT h.hno, h.village, h.kind = '监测户' AS monitored, h.kind = '脱贫户' AS exited,
           coalesce(med.oop12, 0) AS oop12, med.stay,
           coalesce(dis.disability_new, false) AS disability_new,
           coalesce(drop_.dropout, false) AS dropout, fees.fees_max,
           coalesce(house.house_unsafe, false) AS house_unsafe,
           coalesce(police.labour_loss, false) AS labour_loss,
           coalesce(civil.civil_new, false) AS civil_new, disaster.loss_max,
           coalesce(jobs.unemployed, false) AS unemployed, water.water_max,
           i.net_latest, i.year_latest,
           -- 人均纯收入 in fen, half away from zero (POLICY.md §7)
           sign(i.net_latest) * ((abs(CAST(i.net_latest * 100 AS BIGINT)) * 2 + h.size)
                                 // (2 * h.size)) AS pc_latest,
           sign(i.net_previous) * ((abs(CAST(i.net_previous * 100 AS BIGINT)) * 2 + h.size)
                                   // (2 * h.size)) AS pc_previous
    FROM hh h
    LEFT JOIN med USING (hno) LEFT JOIN dis USING (hno) LEFT JOIN drop_ USING (hno)
    LEFT JOIN fees USING (hno) LEFT JOIN house USING (hno) LEFT JOIN police USING (hno)
    LEFT JOIN civil USING (hno) LEFT JOIN disaster USING (hno) LEFT JOIN jobs USING (hno)
    LEFT JOIN water USING (hno) LEFT JOIN income i USING (hno)
    """
    con.execute(f"CREATE TEMP TABLE features AS {features}")

    line_fen = int(float(P["monitoring_line"]) * 100)
    rules = [
        ("medical_burden", "因病",
         f"oop12 > CASE WHEN exited OR monitored THEN {P['medical_share_exited']} "
         f"ELSE {P['medical_share_ordinary']} END * {P['prev_rural_income_pc']}",
         "'近12个月合规自付 ' || oop12"),
        ("medical_stay", "因病",
         f"stay > CASE WHEN exited OR monitored THEN {P['stay_oop_exited']} "
         f"ELSE {P['stay_oop_ordinary']} END", "'住院个人自付 ' || stay"),
        ("new_disability", "因残", "disability_new", "'新增残疾或等级加重'"),
        ("dropout", "因学", "dropout", "'疑似辍学'"),
        ("education_cost", "因学", f"fees_max > {P['education_oop']}", "'学年自付 ' || fees_max"),
        ("unsafe_house", "因安全住房", "house_unsafe", "'房屋鉴定C/D级'"),
        ("labour_loss", "因意外事故", "labour_loss", "'劳动力死亡或伤残'"),
        ("new_assistance", "其他", "civil_new AND NOT monitored", "'新增社会救助'"),
        ("disaster_loss", "因自然灾害",
         f"loss_max > {P['disaster_loss_min']} OR loss_max > {P['disaster_loss_share']} * net_latest",
         "'灾害损失 ' || loss_max"),
        ("unemployment", "因务工就业不稳",
         f"unemployed AND pc_latest < {P['unemployment_income_factor']} * {line_fen}",
         "'失业；人均纯收入(分) ' || pc_latest"),
        ("income_below_line", "其他", f"pc_latest < {line_fen} AND NOT monitored",
         "year_latest || '年 人均纯收入(分) ' || pc_latest"),
        ("income_drop", "其他",
         f"pc_latest < (1 - {P['income_drop_share']}) * pc_previous "
         f"AND pc_latest < {P['income_drop_factor']} * {line_fen}",
         "'人均纯收入(分) ' || pc_latest || ' < 上年 ' || pc_previous"),
        ("water_cut", "因安全饮水", f"water_max > {P['water_cut_days']}", "'断水 ' || water_max || ' 天'"),
    ]
    hits = " UNION ALL ".join(
        f"SELECT hno AS household_no, village, '{rid}' AS rule_id, '{risk}' AS risk_type, "
        f"CASE WHEN monitored THEN 'monitored' ELSE 'new' END AS status, {ev} AS evidence "
        f"FROM features WHERE {cond}"
        for rid, risk, cond, ev in rules)
    con.execute(f"""COPY (SELECT * FROM ({hits}) ORDER BY household_no, rule_id)
                    TO '{a.out}' (HEADER, DELIMITER ',')""")
    n = con.execute(f"SELECT count(*) FROM read_csv('{a.out}', header = true)").fetchone()[0]
    print(f"DuckDB {duckdb.__version__}: {n} warnings in {time.time() - started:.2f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
