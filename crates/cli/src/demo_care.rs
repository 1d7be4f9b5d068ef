//! The demo township's care rosters: derived from the registry with the rules in force (the same
//! `care_refresh` as the 重新生成 button), then a few of 青岩村's entries confirmed by its cadre with
//! backdated visits and next-visit dates (one of them already overdue), so the 关爱名册 shows every
//! state on first sight. Runs once: a database with a roster is left alone.

use time::{Date, Duration};
use zhenxing_domain::lowincome::{CareGroup, CareParams, RosterStatus};
use zhenxing_domain::{CodeEnum, DivisionCode, Policy, Role};
use zhenxing_store::{Actor, CareFilter, NewCareVisit, PageRequest, SqlStore, Store};

/// 青岩村, where the demo's village cadre (`qingyan`) works.
const QINGYAN: &str = "500110120204";

const VISITS: &[&str] = &[
    "入户见到本人，生活正常，已告知村里联系电话",
    "与看护人交流学习和身体情况，无特殊困难",
    "电话联系外出务工家属，约定每周视频通话",
];

pub async fn seed(store: &SqlStore, root: &DivisionCode, today: Date) -> anyhow::Result<()> {
    let system = Actor::system(root.clone());
    let first = PageRequest {
        page: 1,
        per_page: 1,
    };
    if store
        .care_list(&system, &CareFilter::default(), first)
        .await?
        .total
        > 0
    {
        return Ok(());
    }
    let policy = Policy::new(store.policy_values().await?);
    let params = CareParams::resolve(&policy, root, today.year());
    let summary = store.care_refresh(&system, today, &params).await?;
    let Ok(village) = DivisionCode::parse(QINGYAN) else {
        return Ok(());
    };
    let cadre = Actor {
        user_id: None,
        username: "qingyan".into(),
        role: Role::VillageCadre,
        scope: village.clone(),
    };
    let mut confirmed = 0;
    for (gi, group) in CareGroup::ALL.iter().enumerate() {
        let filter = CareFilter {
            village: Some(village.clone()),
            group: Some(*group),
            ..CareFilter::default()
        };
        let page = PageRequest {
            page: 1,
            per_page: 3,
        };
        for (i, entry) in store
            .care_list(&cadre, &filter, page)
            .await?
            .items
            .into_iter()
            .enumerate()
        {
            // The third of each group stays 待核实: work for the cadre's first login.
            if i == 2 {
                break;
            }
            store
                .care_set_status(
                    &cadre,
                    entry.id,
                    entry.version,
                    RosterStatus::Confirmed,
                    "已入户核实，情况属实",
                )
                .await?;
            confirmed += 1;
            let k = (gi * 2 + i) as i64;
            let visited = today - Duration::days(20 + 9 * k);
            // The first entry's next visit is already past (逾期); the others are ahead.
            let next = if k == 0 {
                today - Duration::days(10)
            } else {
                today + Duration::days(20 + 7 * k)
            };
            store
                .care_visit(
                    &cadre,
                    entry.id,
                    &NewCareVisit {
                        date: visited,
                        visitor: "王建华".into(),
                        content: VISITS[(gi + i) % VISITS.len()].into(),
                        next_visit: Some(next),
                        today,
                    },
                )
                .await?;
        }
    }
    eprintln!(
        "演示关爱名册：推导 {} 人次待核实，青岩村已核实并走访 {confirmed} 人",
        summary.created
    );
    Ok(())
}
