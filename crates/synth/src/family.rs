//! Who lives in a household: relations, sexes, birth dates, surnames — before any other attribute.
//!
//! A household of a given size is drawn from a few templates (an elderly couple; a couple with
//! children; three generations with the head's parents; three generations with a married child and
//! grandchildren; an elderly head raising grandchildren; …). Birth dates then follow the relations:
//! spouses within six years of each other (wives mostly younger), every child 20–40 years younger than
//! each of its parents living in the household, siblings 1–5 years apart, a married child at least 21.

use rand::Rng;
use zhenxing_domain::household::Relation;

use crate::ids::{MARRIED_IN, QIJIANG_COUNTY, QIJIANG_DISTRICT};
use crate::names::Surnames;

/// One person before attributes: enough to name them and give them an ID number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    pub relation: Relation,
    pub male: bool,
    /// Julian day of birth.
    pub birth_jd: i32,
    pub surname: u8,
    /// 0 汉族, 1 苗族, 2 土家族.
    pub ethnicity: u8,
    /// Preferred address code of the ID number (index into `ids::ADDRESS_CODES`).
    pub address: usize,
}

/// Days in `y` years, on average.
pub(crate) fn years(y: f64) -> i32 {
    (y * 365.2425) as i32
}

pub(crate) fn uniform(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// Triangular on [lo, hi], peaked in the middle.
pub(crate) fn tri(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * (rng.random::<f64>() + rng.random::<f64>()) / 2.0
}

#[derive(Debug, Clone, Copy)]
struct Plan {
    spouse: bool,
    /// 0: none, 1: the head's widowed mother or father, 2: both.
    parents: u8,
    sibling: bool,
    children: u8,
    /// The eldest child is married and the child's spouse lives here.
    married_child: bool,
    grandchildren: u8,
    head_age: (f64, f64),
    /// Probability that the head is a man.
    male: f64,
}

const fn plan(
    spouse: bool,
    parents: u8,
    children: u8,
    married_child: bool,
    grandchildren: u8,
    lo: f64,
    hi: f64,
) -> Plan {
    let male = if spouse {
        0.88
    } else if grandchildren > 0 || children > 0 {
        0.45
    } else {
        0.6
    };
    Plan {
        spouse,
        parents,
        sibling: false,
        children,
        married_child,
        grandchildren,
        head_age: (lo, hi),
        male,
    }
}

const ALONE_OLD: Plan = plan(false, 0, 0, false, 0, 60.0, 92.0);
const ALONE_YOUNG: Plan = plan(false, 0, 0, false, 0, 28.0, 60.0);
const HEAD_SIBLING: Plan = Plan {
    sibling: true,
    male: 0.8,
    ..plan(false, 0, 0, false, 0, 45.0, 80.0)
};
const HEAD_PARENT: Plan = Plan {
    male: 0.8,
    ..plan(false, 1, 0, false, 0, 28.0, 60.0)
};

/// Templates per household size with their weights (per cent). Sizes add up as
/// 1 + spouse + parents + sibling + children + child's spouse + grandchildren.
fn templates(size: usize) -> &'static [(u32, Plan)] {
    const T1: &[(u32, Plan)] = &[(60, ALONE_OLD), (40, ALONE_YOUNG)];
    const T2: &[(u32, Plan)] = &[
        (55, plan(true, 0, 0, false, 0, 45.0, 88.0)),
        (12, plan(true, 0, 0, false, 0, 22.0, 40.0)),
        (13, plan(false, 0, 1, false, 0, 40.0, 80.0)),
        (8, HEAD_PARENT),
        (8, plan(false, 0, 0, false, 1, 55.0, 80.0)),
        (4, HEAD_SIBLING),
    ];
    const T3: &[(u32, Plan)] = &[
        (55, plan(true, 0, 1, false, 0, 23.0, 58.0)),
        (13, plan(true, 0, 0, false, 1, 55.0, 78.0)),
        (12, plan(false, 0, 2, false, 0, 35.0, 75.0)),
        (10, plan(true, 1, 0, false, 0, 25.0, 60.0)),
        (10, plan(false, 1, 1, false, 0, 28.0, 58.0)),
    ];
    const T4: &[(u32, Plan)] = &[
        (50, plan(true, 0, 2, false, 0, 26.0, 56.0)),
        (15, plan(true, 1, 1, false, 0, 25.0, 50.0)),
        (10, plan(true, 0, 0, false, 2, 55.0, 78.0)),
        (15, plan(true, 0, 1, true, 0, 52.0, 76.0)),
        (10, plan(true, 0, 1, false, 1, 55.0, 75.0)),
    ];
    const T5: &[(u32, Plan)] = &[
        (20, plan(true, 0, 3, false, 0, 32.0, 55.0)),
        (25, plan(true, 1, 2, false, 0, 28.0, 52.0)),
        (35, plan(true, 0, 1, true, 1, 50.0, 72.0)),
        (20, plan(true, 2, 1, false, 0, 25.0, 48.0)),
    ];
    const T6: &[(u32, Plan)] = &[
        (45, plan(true, 0, 1, true, 2, 52.0, 74.0)),
        (30, plan(true, 2, 2, false, 0, 28.0, 50.0)),
        (25, plan(true, 0, 2, true, 1, 52.0, 78.0)),
    ];
    const T7: &[(u32, Plan)] = &[
        (35, plan(true, 0, 1, true, 3, 55.0, 76.0)),
        (30, plan(true, 1, 1, true, 2, 52.0, 62.0)),
        (35, plan(true, 2, 3, false, 0, 30.0, 50.0)),
    ];
    match size {
        0 | 1 => T1,
        2 => T2,
        3 => T3,
        4 => T4,
        5 => T5,
        6 => T6,
        _ => T7,
    }
}

fn choose(rng: &mut impl Rng, size: usize) -> Plan {
    let t = templates(size);
    let total: u32 = t.iter().map(|(w, _)| w).sum();
    let mut x = rng.random_range(0..total);
    for (w, p) in t {
        if x < *w {
            return *p;
        }
        x -= w;
    }
    t[0].1
}

pub(crate) struct Composer {
    today_jd: i32,
    /// 2011-11-01: people born from then on are registered in 綦江区 (500110), not 綦江县 (500222).
    district_from_jd: i32,
}

impl Composer {
    pub(crate) fn new(today_jd: i32, district_from_jd: i32) -> Self {
        Composer {
            today_jd,
            district_from_jd,
        }
    }

    /// Fills `out` with the `size` people of one household, the head first.
    pub(crate) fn compose(
        &self,
        rng: &mut impl Rng,
        surnames: &Surnames,
        size: usize,
        out: &mut Vec<Spec>,
    ) {
        out.clear();
        let p = choose(rng, size);
        let today = self.today_jd;
        let family = surnames.draw(rng);
        let eth = ethnicity(rng);
        let head_male = rng.random_bool(p.male);
        let head_jd =
            today - years(uniform(rng, p.head_age.0, p.head_age.1)) - rng.random_range(0..365);
        out.push(self.local(rng, Relation::Head, head_male, head_jd, family, eth));

        // The couple whose children live here (the head, and the spouse if any).
        let mut elders = [head_jd, head_jd];
        if p.spouse {
            let gap = years(uniform(rng, -2.0, 6.0));
            let mut jd = if head_male {
                head_jd + gap
            } else {
                head_jd - gap
            };
            let min_age = if p.children > 0 || p.grandchildren > 0 {
                21.0
            } else {
                20.0
            };
            jd = jd.min(today - years(min_age) - rng.random_range(0..200));
            let other = surnames.draw_other(rng, family);
            let e = if rng.random_bool(0.9) {
                eth
            } else {
                ethnicity(rng)
            };
            out.push(self.married_in(rng, Relation::Spouse, !head_male, jd, other, e));
            elders[1] = jd;
        }
        if p.parents > 0 {
            let father_jd = head_jd - years(uniform(rng, 22.0, 36.0));
            let mother_jd = (father_jd + years(uniform(rng, -2.0, 6.0)))
                .clamp(head_jd - years(40.0) + 1, head_jd - years(20.0) - 1);
            let both = p.parents >= 2;
            if both || rng.random_bool(0.35) {
                out.push(self.local(rng, Relation::Father, true, father_jd, family, eth));
            }
            if both || out.last().is_some_and(|s| s.relation != Relation::Father) {
                let other = surnames.draw_other(rng, family);
                out.push(self.married_in(rng, Relation::Mother, false, mother_jd, other, eth));
            }
        }
        if p.sibling {
            let jd = (head_jd + years(uniform(rng, -10.0, 10.0)))
                .min(today - years(uniform(rng, 30.0, 40.0)));
            let male = rng.random_bool(0.7);
            out.push(self.local(rng, Relation::Sibling, male, jd, family, eth));
        }

        let mut married = None;
        if p.children > 0 {
            let (lo, hi) = self.birth_window(elders, 20.0, 40.0);
            let mut births = [0i32; 8];
            let n = usize::from(p.children);
            place(rng, lo, hi, &mut births[..n]);
            for (i, &b) in births[..n].iter().enumerate() {
                let is_married = i == 0 && p.married_child;
                let male = if is_married {
                    rng.random_bool(0.8)
                } else {
                    rng.random_bool(0.52)
                };
                let mut jd = b;
                if is_married {
                    jd = jd.min(today - years(uniform(rng, 21.0, 24.0))).max(lo);
                }
                let rel = if male {
                    Relation::Son
                } else {
                    Relation::Daughter
                };
                out.push(self.local(rng, rel, male, jd, family, eth));
                if is_married {
                    married = Some((male, jd));
                }
            }
            // Younger siblings were placed after the eldest; the married one may have moved earlier,
            // which only widens the gaps.
        }
        let mut grand_elders = None;
        if let Some((male, jd)) = married {
            let gap = years(uniform(rng, -2.0, 6.0));
            let sp = if male { jd + gap } else { jd - gap }
                .min(today - years(20.0) - rng.random_range(0..200));
            let rel = if male {
                Relation::DaughterInLaw
            } else {
                Relation::SonInLaw
            };
            let other = surnames.draw_other(rng, family);
            let e = if rng.random_bool(0.9) {
                eth
            } else {
                ethnicity(rng)
            };
            out.push(self.married_in(rng, rel, !male, sp, other, e));
            grand_elders = Some([jd, sp]);
        }
        if p.grandchildren > 0 {
            let (lo, hi) = match grand_elders {
                Some(parents) => self.birth_window(parents, 20.0, 40.0),
                // Left-behind grandchildren (留守儿童) whose parents are registered elsewhere: under 18,
                // and 45–60 years younger than the younger grandparent.
                None => {
                    let young = elders[0].max(elders[1]);
                    let hi = (young + years(60.0)).min(today);
                    ((young + years(45.0)).max(today - years(18.0)).min(hi), hi)
                }
            };
            let mut births = [0i32; 8];
            let n = usize::from(p.grandchildren);
            place(rng, lo, hi, &mut births[..n]);
            for &b in &births[..n] {
                let male = rng.random_bool(0.52);
                let rel = if male {
                    Relation::Grandson
                } else {
                    Relation::Granddaughter
                };
                out.push(self.local(rng, rel, male, b, family, eth));
            }
        }
    }

    /// Birth dates allowed for a child of `parents`: at least `min` and at most `max` years younger
    /// than each of them, and not after today.
    fn birth_window(&self, parents: [i32; 2], min: f64, max: f64) -> (i32, i32) {
        let lo = parents[0].max(parents[1]) + years(min) + 1;
        let hi = (parents[0].min(parents[1]) + years(max) - 1).min(self.today_jd);
        (lo.min(hi), hi)
    }

    /// Someone born and registered here: 綦江县 before the district existed, 綦江区 after.
    fn local(
        &self,
        rng: &mut impl Rng,
        relation: Relation,
        male: bool,
        birth_jd: i32,
        surname: u8,
        ethnicity: u8,
    ) -> Spec {
        let address = if birth_jd >= self.district_from_jd || rng.random_bool(0.03) {
            QIJIANG_DISTRICT
        } else {
            QIJIANG_COUNTY
        };
        Spec {
            relation,
            male,
            birth_jd,
            surname,
            ethnicity,
            address,
        }
    }

    /// A spouse: most are local too, some married in from a neighbouring district or county.
    fn married_in(
        &self,
        rng: &mut impl Rng,
        relation: Relation,
        male: bool,
        birth_jd: i32,
        surname: u8,
        ethnicity: u8,
    ) -> Spec {
        let mut s = self.local(rng, relation, male, birth_jd, surname, ethnicity);
        if rng.random_bool(0.15) {
            s.address = MARRIED_IN[rng.random_range(0..MARRIED_IN.len())];
        }
        s
    }
}

/// Spreads `out.len()` birth dates over [lo, hi], eldest first, 1.2–4.5 years apart where room allows.
fn place(rng: &mut impl Rng, lo: i32, hi: i32, out: &mut [i32]) {
    let first = lo + years(tri(rng, 0.0, 7.0));
    // A window cut short by today: anywhere in it, not piled up on its last day.
    let mut prev = if first <= hi {
        first
    } else {
        lo + rng.random_range(0..=(hi - lo).max(0))
    };
    for (i, slot) in out.iter_mut().enumerate() {
        if i > 0 {
            let next = prev + years(uniform(rng, 1.2, 4.5));
            prev = if next <= hi {
                next
            } else {
                prev + rng.random_range(0..=(hi - prev).max(0))
            };
        }
        *slot = prev;
    }
}

fn ethnicity(rng: &mut impl Rng) -> u8 {
    match rng.random_range(0..1000) {
        0..975 => 0,
        975..990 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn templates_have_the_size_they_are_used_for() {
        for size in 1..=7 {
            for (_, p) in templates(size) {
                let n = 1
                    + usize::from(p.spouse)
                    + usize::from(p.parents)
                    + usize::from(p.sibling)
                    + usize::from(p.children)
                    + usize::from(p.married_child)
                    + usize::from(p.grandchildren);
                assert_eq!(n, size, "{p:?}");
            }
        }
    }

    #[test]
    fn composed_households_have_the_asked_size_and_one_head() {
        let today = time::macros::date!(2026 - 11 - 28).to_julian_day();
        let c = Composer::new(today, time::macros::date!(2011 - 11 - 01).to_julian_day());
        let s = Surnames::new();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut out = Vec::new();
        for i in 0..5000 {
            let size = 1 + i % 7;
            c.compose(&mut rng, &s, size, &mut out);
            assert_eq!(out.len(), size);
            assert_eq!(
                out.iter().filter(|p| p.relation == Relation::Head).count(),
                1
            );
            assert!(out.iter().all(|p| p.birth_jd <= today));
        }
    }
}
