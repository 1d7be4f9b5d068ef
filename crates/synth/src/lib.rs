//! Deterministic synthetic 扶欢镇 (and scaled-up regions) for the demo, tests and benchmarks.
//!
//! Real place names, invented people. [`households`] streams [`Household`](zhenxing_domain::Household)s
//! one at a time: the same [`SynthConfig`] always gives the same households, byte for byte, on a
//! given platform (floating-point `ln`/`exp` come from the platform's math library), and memory does
//! not grow with the number of persons. Every household passes the roster layout's checks
//! (LAYOUT.md): one 户主, a category exactly for 监测户, a grade for every 残疾, valid 18-digit ID numbers
//! agreeing with sex and birth date and not after `today`, work months 0–12, valid incomes.
//!
//! # Where households live, and at scale
//!
//! `persons` is met exactly. Up to about 64,000 persons everything lies in 扶欢镇: 扶欢社区
//! (`500110120001`) and the 15 villages (`500110120201` … `500110120215`, POLICY.md §10 order); these
//! village codes are demo codes, since the real ones are not public. Beyond that, people are spread
//! over one synthetic town per ~43,000 persons — `500110121`, `500110122`, … up to `500110999` — each
//! with a community (`…001`) and 15 villages (`…201`–`…215`), named from fixed pools ([`towns`] lists
//! them; town 0 is always 扶欢镇). This keeps every town and village at a realistic size: 10,000,000
//! persons are 233 towns of ~42,900 people and ~2.9 million households. Past 880 towns the villages
//! simply grow. Inside a town, people go to units by fixed shares: 扶欢社区 4 %, 青岩 (the
//! demonstration village) 8.2 %, the other villages 5.7–6.8 % each.
//!
//! 户编号 is the village code followed by a zero-padded serial, `5001101202040001`: unique because
//! village codes are, and fixed-length because the serial has as many digits as the largest village
//! has people (at least 4). Households of a village are numbered in 村民小组 order (4 groups in the
//! community, 8–11 in a village).
//!
//! # Distributions
//!
//! - **Household size** 1–7: 12 / 20 / 20 / 22 / 15 / 8 / 3 %, mean 3.44. Each size has a few
//!   templates: people alone (mostly elderly), elderly couples, couples with 1–3 children, three
//!   generations with the head's parents, three generations with a married child (之儿媳, or a 上门女婿
//!   之女婿) and grandchildren, grandparents raising left-behind grandchildren, a head with a sibling.
//! - **Ages follow relations**: spouses within six years (wives mostly younger), each child 20–40
//!   years younger than each parent in the household, siblings 1–5 years apart, a married child at
//!   least 21, the head's parents 20–40 years older. About 17 % are under 16 and 22 % are 60 or older.
//! - **Names**: 100 common surnames weighted by national frequency, tilted to 重庆; children and
//!   grandchildren take the head's surname, spouses and in-laws come from other families; given names
//!   of one or two characters from pools for births before 1955, 1955–79, 1980–99, 2000–09 and later.
//!   汉族 97.5 %, 苗族 1.5 %, 土家族 1 %.
//! - **ID numbers**: address 500222 (綦江县) for people born before November 2011, 500110 (綦江区)
//!   after, plus 3 % of the older ones; 15 % of spouses married in from 巴南, 江津, 南川 or 桐梓. The
//!   sequence comes from a counter per address, birth date and sex, so numbers never repeat (see
//!   `ids`); the check character is GB 11643's.
//! - **户类型**: 脱贫户 12 %, 监测户 1.5 % (脱贫不稳定户 30 %, 边缘易致贫户 45 %, 突发严重困难户 25 % — the
//!   last always has a member newly seriously ill), the rest 一般农户.
//! - **Health** rises with age and is 1.8× (脱贫户) or 2.5× (监测户) as likely in poorer households:
//!   about 8 % 长期慢性病, 1 % 患大病, 5 % 残疾 (grades 一级 10 %, 二级 20 %, 三级 30 %, 四级 40 %).
//! - **Schooling and education** follow age and birth cohort (pupils 6–14 are all at school; about 40 %
//!   of 19–21-year-olds study further); **labour**: 无劳动力 under 16, for students and most people over
//!   75; disability grades 一/二 and half of serious illnesses mean 丧失劳动力. About 58 % of working-age
//!   labourers work away 6–12 months (fewer in poorer households), 25 % work locally 1–6 months.
//! - **Assistance and insurance**: 低保 for whole households (2.5 % of ordinary, 20 % of 脱贫, 35 % of
//!   监测 households), 特困 for some elderly or severely disabled people living alone; medical insurance
//!   98.5 %, pension insurance for most adults not at school.
//! - **Household**: the head always has a (synthetic) mobile number, others of 18–65 about half;
//!   住房安全 98.5 % and 饮水安全 99 % (90 % and 93 % for 监测户); farmland 0–8 亩, median 2.4, little
//!   in the community.
//! - **Income** (two years): a per-capita target is drawn by kind (一般农户 median 14,000 yuan, 脱贫户
//!   10,500, 监测户 7,300, 突发严重困难户 10,000, log-normal) and scaled by how much the household
//!   works; pensions, 低保/特困 money, the farmland subsidy, farming and livestock, dividends and land rent
//!   follow from the household; wages (1,800–9,000 yuan a month worked) or, without workers, support
//!   from children make up the rest. 3 % of records have negative 生产经营性收入. The second year grows
//!   about 4 %. About 11 % / 10 % of households fall below 7,000 yuan per capita
//!   ([`REFERENCE_LINE`]); 监测户 sit close to it. All money is exact [`Yuan`](zhenxing_domain::Yuan).
//!
//! # Department feeds
//!
//! [`feeds`] draws the department files of SCREENING.md for a registry and a period (medical
//! settlements over the 12 months ending with it, the other eight kinds in it), so that each default
//! screening rule fires for a small share of households; [`write_feed_csv`] writes them with the
//! Chinese headers the feed reader expects. See the `feeds` module source for the rates.

mod family;
mod feeds;
mod generate;
mod ids;
mod income;
mod member;
mod names;
mod summary;
mod units;

pub use feeds::{FeedFiles, FeedScale, feeds, household_feeds, household_year, write_feed_csv};
pub use generate::{Households, SynthConfig, households};
pub use summary::{REFERENCE_LINE, Summary};
pub use units::{
    COUNTY_CODE, COUNTY_NAME, TOWN_CODE, TOWN_NAME, Town, Unit, fuhuan_units, town_count, towns,
};
