//! The demo township's assistance rolls: about 40 低保, 10 特困, 15 临时救助 and 10 低保边缘 entries
//! put on the rolls through the store (checked by the domain against the standards, audited as the
//! town clerk), spread over every village, with backdated starts so that the 定期核查 list has entries
//! due this month and overdue, a few past reviews (one adjusting the amount) and a few ended entries.
//! The households are taken from the second page of each village's list, so the first page is left
//! free for a user (or the browser test) to add an entry. Runs once: a database with a roll entry is
//! left alone.

use time::{Date, Month};
use zhenxing_domain::lowincome::{CareLevel, ReviewOutcome, RollKind, SupportMode};
use zhenxing_domain::{DivisionCode, DivisionLevel, Household, Role, Yuan};
use zhenxing_store::{
    Actor, HouseholdFilter, NewReview, NewRollEntry, PageRequest, RollFilter, SqlStore, Store,
};

const EVENTS: &[&str] = &[
    "房屋火灾",
    "因病住院，自付费用较高",
    "意外伤害",
    "暴雨导致房屋受损",
    "子女上学一次性困难",
    "突发重病",
    "交通事故",
];

/// The day `day` (clamped to the month's end) of the month `back` months before `today`'s.
fn months_back(today: Date, back: i32, day: u8) -> Date {
    let index = today.year() * 12 + i32::from(u8::from(today.month())) - 1 - back;
    let month = u8::try_from(index.rem_euclid(12) + 1)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .unwrap_or(Month::January);
    let year = index.div_euclid(12);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, day.clamp(1, last)).unwrap_or(today)
}

/// When an entry starts, so that with the default 12-month interval its review is due this month
/// (the last day of the month a year ago), overdue (one to three months ago) or not yet due.
#[derive(Clone, Copy)]
enum Timing {
    DueThisMonth,
    Overdue(i32),
    NotDue(i32),
}

fn start_of(today: Date, t: Timing) -> Date {
    match t {
        Timing::DueThisMonth => months_back(today, 12, 31),
        Timing::Overdue(n) => months_back(today, 12 + n, 10),
        Timing::NotDue(n) => months_back(today, n, 15),
    }
}

fn blank(kind: RollKind, start: Date, today: Date, reason: &str) -> NewRollEntry {
    NewRollEntry {
        kind,
        covered: Vec::new(),
        person: None,
        monthly_amount: None,
        care_level: None,
        support_mode: None,
        amount: None,
        event: String::new(),
        reason: reason.to_string(),
        start,
        end: None,
        today,
    }
}

fn yuan(whole: i64) -> Yuan {
    Yuan::from_fen(whole * 100)
}

/// Households of every village, taken in turn (village 1, village 2, …, then the next of each).
async fn candidates(store: &SqlStore, town: &Actor) -> anyhow::Result<Vec<Household>> {
    let villages: Vec<DivisionCode> = store
        .divisions()
        .await?
        .into_iter()
        .filter(|d| d.level == DivisionLevel::Village && town.scope.contains(&d.code))
        .map(|d| d.code)
        .collect();
    let mut per_village: Vec<Vec<String>> = Vec::new();
    for v in villages {
        let filter = HouseholdFilter {
            village: Some(v),
            ..HouseholdFilter::default()
        };
        let page = store
            .household_list(
                town,
                &filter,
                PageRequest {
                    page: 2,
                    per_page: 20,
                },
            )
            .await?;
        per_village.push(page.items.into_iter().map(|h| h.household_no).collect());
    }
    let mut order = Vec::new();
    for i in 0..20 {
        for v in &per_village {
            if let Some(no) = v.get(i) {
                order.push(no.clone());
            }
        }
    }
    let mut out = Vec::new();
    for no in order.into_iter().take(80) {
        out.push(store.household_get(town, &no).await?.household);
    }
    Ok(out)
}

pub async fn seed(store: &SqlStore, root: &DivisionCode, today: Date) -> anyhow::Result<()> {
    let town = Actor {
        user_id: None,
        username: "town".into(),
        role: Role::TownStaff,
        scope: root.clone(),
    };
    let first = PageRequest {
        page: 1,
        per_page: 1,
    };
    if store
        .roll_list(&town, &RollFilter::default(), first)
        .await?
        .total
        > 0
    {
        return Ok(());
    }
    let households = candidates(store, &town).await?;
    let mut picked = households.iter();
    let mut counts = [0usize; 4];

    // 低保: 1–3 covered members, 补差 below the full standard (600 元 a person by default).
    for i in 0..40 {
        let Some(h) = picked.next() else { break };
        let covered: Vec<String> = h
            .members
            .iter()
            .take(1 + i % 3)
            .map(|m| m.id_number.base().to_string())
            .collect();
        let n = covered.len() as i64;
        let timing = match i % 5 {
            0 => Timing::DueThisMonth,
            1 => Timing::Overdue(1 + (i as i32 % 3)),
            2 | 3 => Timing::Overdue(6),
            _ => Timing::NotDue(1 + (i as i32 % 11)),
        };
        let start = start_of(today, timing);
        let mut e = blank(
            RollKind::Dibao,
            start,
            today,
            "家庭人均收入低于低保标准，经民主评议、镇审核、县民政局审批",
        );
        e.covered = covered;
        e.monthly_amount = Some(yuan(n * 600 - 100 * (1 + (i as i64 % 4))));
        let id = store.roll_create(&town, &h.household_no, &e).await?;
        counts[0] += 1;
        // Reviewed half a year ago: continued, or the amount adjusted; a few ended since.
        if matches!(i % 5, 2 | 3) {
            let adjust = i % 5 == 3;
            let review = NewReview {
                date: months_back(today, 6, 10),
                outcome: if adjust {
                    ReviewOutcome::Adjust
                } else {
                    ReviewOutcome::Continue
                },
                new_amount: adjust.then(|| yuan(n * 600 - 50)),
                note: if adjust {
                    "家庭成员患病，收入减少，提高补差".into()
                } else {
                    "入户核查，家庭情况无变化".into()
                },
                today,
            };
            store.roll_review(&town, id, 1, &review).await?;
            if i % 13 == 2 {
                store
                    .roll_end(
                        &town,
                        id,
                        2,
                        months_back(today, 1, 20),
                        "家庭成员外出务工，人均收入已高于低保标准",
                    )
                    .await?;
            }
        }
    }

    // 特困: the household's oldest member, at least the basic standard plus the care allowance.
    for j in 0..10usize {
        let Some(h) = picked.next() else { break };
        let Some(person) = h.members.iter().min_by_key(|m| m.birth_date) else {
            continue;
        };
        let level = [
            CareLevel::SelfCare,
            CareLevel::PartCare,
            CareLevel::FullCare,
        ][j % 3];
        let allowance = match level {
            CareLevel::SelfCare => 60,
            CareLevel::PartCare => 300,
            CareLevel::FullCare => 600,
        };
        let timing = match j % 5 {
            0 => Timing::DueThisMonth,
            1 => Timing::Overdue(2),
            _ => Timing::NotDue(2 + j as i32),
        };
        let mut e = blank(
            RollKind::Tekun,
            start_of(today, timing),
            today,
            "无劳动能力、无生活来源、无法定赡养人",
        );
        e.person = Some(person.id_number.base().to_string());
        e.care_level = Some(level);
        e.support_mode = Some(if j % 4 == 3 {
            SupportMode::Centralised
        } else {
            SupportMode::Dispersed
        });
        e.monthly_amount = Some(yuan(780 + allowance + 20 * j as i64));
        store.roll_create(&town, &h.household_no, &e).await?;
        counts[1] += 1;
    }

    // 临时救助: one-off amounts over the last year.
    for k in 0..15usize {
        let Some(h) = picked.next() else { break };
        let mut e = blank(
            RollKind::Temporary,
            months_back(today, 1 + (k as i32 % 11), 3 + (k as u8 * 2) % 25),
            today,
            "",
        );
        e.event = EVENTS[k % EVENTS.len()].to_string();
        e.amount = Some(yuan(500 + 300 * (k as i64 % 10)));
        if k % 2 == 0 {
            e.person = h.head().map(|m| m.id_number.base().to_string());
        }
        store.roll_create(&town, &h.household_no, &e).await?;
        counts[2] += 1;
    }

    // 低保边缘: the whole household, no amount.
    for m in 0..10usize {
        let Some(h) = picked.next() else { break };
        let timing = match m % 5 {
            0 => Timing::DueThisMonth,
            1 => Timing::Overdue(1),
            _ => Timing::NotDue(3 + m as i32),
        };
        let e = blank(
            RollKind::Marginal,
            start_of(today, timing),
            today,
            "家庭人均收入低于低保标准的 1.5 倍，经认定为低保边缘家庭",
        );
        store.roll_create(&town, &h.household_no, &e).await?;
        counts[3] += 1;
    }
    eprintln!(
        "演示救助名册：低保 {} 户、特困 {} 人、临时救助 {} 笔、低保边缘 {} 户",
        counts[0], counts[1], counts[2], counts[3]
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_back_clamps_the_day_to_the_month_end() {
        assert_eq!(
            months_back(date!(2026 - 03 - 15), 1, 31),
            date!(2026 - 02 - 28)
        );
        assert_eq!(
            months_back(date!(2026 - 01 - 15), 12, 31),
            date!(2025 - 01 - 31)
        );
        assert_eq!(
            months_back(date!(2026 - 01 - 15), 13, 10),
            date!(2024 - 12 - 10)
        );
    }

    #[test]
    fn a_start_a_year_before_this_month_end_is_due_this_month() {
        use zhenxing_domain::lowincome::{ReviewState, next_review, review_state};
        for today in [
            date!(2026 - 02 - 28),
            date!(2026 - 03 - 31),
            date!(2026 - 07 - 01),
        ] {
            let due = next_review(start_of(today, Timing::DueThisMonth), 12);
            assert_eq!(
                review_state(due, today),
                ReviewState::DueThisMonth,
                "{today}"
            );
            let late = next_review(start_of(today, Timing::Overdue(1)), 12);
            assert_eq!(review_state(late, today), ReviewState::Overdue, "{today}");
            let later = next_review(start_of(today, Timing::NotDue(1)), 12);
            assert_eq!(review_state(later, today), ReviewState::NotDue, "{today}");
        }
    }
}
